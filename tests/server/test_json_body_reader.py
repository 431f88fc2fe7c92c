"""A request body read by orjson gives what the standard library gives (``StrictJSONProvider``).

The provider reads a body with orjson unless it holds a run of 19 digits, and reads it
again with the standard library when orjson refuses it; held here to the standard
library's reading alone (the provider's path with an explicit argument): same value, same
types, or the same refusal.
"""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.request_limits import MAX_JSON_DEPTH, StrictJSONProvider, _refuse_constant

PROVIDER = StrictJSONProvider.__new__(StrictJSONProvider)  # loads uses no app state


def read(text, **kwargs):
    try:
        return "value", repr(PROVIDER.loads(text, **kwargs))
    except ValueError as error:
        return "refused", type(error).__name__


def standard(text):
    # An explicit argument takes the standard library's path.
    return read(text, parse_constant=_refuse_constant)


SCALARS = st.one_of(
    st.none(), st.booleans(),
    st.integers(), st.integers(-(2**70), 2**70),
    st.sampled_from([2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63), -(2**63) - 1, 10**18,
                     10**19]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(), st.sampled_from(["\ud800", "a\udfffb", "\x00", "é", "😀"]),
)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=4), inner, max_size=4)),
    max_leaves=20)


@settings(max_examples=400, deadline=None)
@given(VALUES, st.booleans(), st.booleans(),
       st.sampled_from(["", "NaN", "Infinity", "1e400", "-", "]", "\ud800", "0" * 20]),
       st.integers(0, 40))
def test_a_body_reads_as_the_standard_library_reads_it(value, ascii_only, as_bytes, junk, at):
    text = json.dumps(value, ensure_ascii=ascii_only)
    text = text[:at] + junk + text[at:] if junk else text
    body = text.encode("utf-8", "surrogatepass") if as_bytes else text
    assert read(body) == standard(body)


@pytest.mark.parametrize("text", [
    "100000000000000000000000", "-9223372036854775809", "18446744073709551615",
    '{"a": 1, "a": 2}', "1e400", '"\\ud800"', "NaN", "[1.5, -0, -0.0, 0.1]",
    "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1),
    "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH, "", "\ufeff{}",
])
def test_the_texts_orjson_reads_otherwise_are_read_as_before(text):
    for body in (text, text.encode("utf-8", "surrogatepass")):
        assert read(body) == standard(body)


def test_a_long_integer_stays_an_integer():
    assert PROVIDER.loads(b'{"n": 100000000000000000000000}') == {"n": 10**23}
