"""The server's orjson texts are the sync engine's reference texts, for what sync stores."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from server.replication.json_text import canonical_json, compact_json
from sync.protocol import canonical_json as reference_json

# What a record's data, merge metadata, a conflict value or an op's answer can hold:
# the collections' checks take text, whole numbers and booleans, nothing else.
_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
_scalars = st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | _text
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(_values)
def test_canonical_text_is_the_reference_text(value):
    assert canonical_json(value) == reference_json(value)


def test_escapes_and_non_ascii_are_written_alike():
    value = {"ü": 'a"b\\c\n\t\x00\x1f\x7f\u2028', "雨": ["ひろば", True, None, -1], "a": {}}
    assert canonical_json(value) == reference_json(value)


def test_what_orjson_refuses_is_written_by_the_reference():
    for value in ({"big": 2**70}, {"lone": "\ud800"}, {1: "int key"}):
        assert canonical_json(value) == reference_json(value)


def test_compact_body_keeps_key_order_and_reads_back():
    value = {"results": [{"op_id": "x", "status": "applied"}], "cursor": 3, "z": "雨"}
    assert compact_json(value) == '{"results":[{"op_id":"x","status":"applied"}],"cursor":3,' \
                                  '"z":"雨"}'.encode()
    assert json.loads(compact_json({"lone": "\ud800"})) == {"lone": "\ud800"}
