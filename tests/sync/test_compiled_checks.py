"""The push path's compiled checks give the answers of the description-walking ones.

``CollectionSpec.problem`` runs checkers compiled once per collection and field
(``compile_field``) and ``read_ops`` reads a batch's usual ops in one pass; both are held
here to the reference they replace on the hot path (``described_problem``, ``read_op``
with it), over generated valid and invalid ops: same accept or reject, same reason, same
message, same field, fault and limit.
"""

from __future__ import annotations

import uuid
from unittest.mock import patch

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync.collections import COLLECTIONS, CollectionSpec
from sync.incoming import read_op, read_ops
from sync.vocabulary import CHILD_AGE_BANDS, FEATURE_TAGS, OUTREACH_TOPICS, PROGRAMME_THEMES

SITE = "kohoku-hiroba"
RECORD_IDS = {
    "visit": [f"{SITE}:2025-04-08:am", f"{SITE}:2025-02-30:am", "tsurumi-salon:2025-04-08:1",
              "no-colons", f"{SITE}:2025-04-08:AM", "x" * 201],
    "outreach": [f"salon-1:2025-04-08:{SITE}", f"salon-1:2025-13-01:{SITE}"],
    "card": ["K7QX2M", "bad/id", ""],
    "review": ["r-1"],
    "programme": ["p-1"],
    "event": ["e-1"],
    "local_issue": [str(uuid.UUID(int=7)), "bad id"],
}

_TEXTS = ["", "am", "pm", "1", SITE, "tsurumi-salon", "2025-04-08", "2025-02-30", "12:30",
          "24:00", "x" * 41, "a" * 101, "a" * 121, "a" * 1001, "a" * 2001,
          "ひろばで遊びました。", "\ud800", "bad id",
          "issued", "opened", "arrived", "cancelled", "open", "done", "visit", "outreach",
          *FEATURE_TAGS[:3], *CHILD_AGE_BANDS[:2], *OUTREACH_TOPICS[:2], *PROGRAMME_THEMES[:2]]
_SCALARS = st.one_of(
    st.sampled_from([0, 1, 7, 216, 217, 10_000, 10_001, 100_000, 100_001, -1, 2**70, True,
                     False, None, 1.5, float("nan")]),
    st.sampled_from(_TEXTS),
    st.integers(),
    st.text(max_size=20),
)
_ELEMENTS = st.lists(st.one_of(st.sampled_from(_TEXTS), st.integers(0, 3)), max_size=3)
VALUES = st.one_of(
    _SCALARS,
    _ELEMENTS,
    st.fixed_dictionaries({}, optional={"add": _ELEMENTS, "remove": _ELEMENTS}),
    st.dictionaries(st.sampled_from(["add", "remove", "other"]), st.one_of(_ELEMENTS, _SCALARS),
                    max_size=2),
)


@st.composite
def changes_of(draw, spec: CollectionSpec) -> dict:
    names = st.one_of(st.sampled_from(sorted(spec.fields)), st.sampled_from(["nope", "Parents"]))
    return draw(st.dictionaries(names, VALUES, max_size=6))


@st.composite
def checked(draw) -> tuple[CollectionSpec, str, dict]:
    spec = COLLECTIONS[draw(st.sampled_from(sorted(COLLECTIONS)))]
    record_id = draw(st.one_of(st.sampled_from(RECORD_IDS[spec.name]), st.text(max_size=12)))
    return spec, record_id, draw(changes_of(spec))


def answer(problem) -> tuple | None:
    """A problem as a phone and the quarantine see it."""
    if problem is None:
        return None
    reason, message = problem
    return (reason, str(message), getattr(message, "field", None),
            getattr(message, "fault", None), getattr(message, "limit", None))


@settings(max_examples=600, deadline=None)
@given(checked())
def test_compiled_checkers_answer_as_the_field_descriptions(case):
    spec, record_id, changes = case
    assert answer(spec.problem(record_id, changes)) == answer(
        spec.described_problem(record_id, changes))


def test_the_generated_changes_reach_every_kind_of_answer():
    # Without this the property above could pass by only ever comparing ``None``.
    spec = COLLECTIONS["visit"]
    rid = RECORD_IDS["visit"][0]
    seen = {answer(spec.problem(rid, changes))[1] if spec.problem(rid, changes) else None
            for changes in ({"parents": 3}, {"parents": -1}, {"nope": 1}, {"notes": 5},
                            {"site_id": None}, {"session": "pm"}, {"needs": {"add": [1]}})}
    assert None in seen and len(seen) == 7


def _usual_op(draw) -> dict:
    spec = draw(st.sampled_from(sorted(COLLECTIONS)))
    op = {
        "op_id": str(uuid.UUID(int=draw(st.integers(0, 2**128 - 1)))),
        "device_id": draw(st.sampled_from(["phone-1", "phone-2"])),
        "user_id": "42",
        "collection": spec,
        "record_id": draw(st.sampled_from(RECORD_IDS[spec])),
        "hlc": draw(st.sampled_from(["001733000000000:000000:phone-1",
                                     "001733000000001:000003:phone-2"])),
        "base_version": draw(st.sampled_from([None, 0, 3])),
        "changes": draw(changes_of(COLLECTIONS[spec])),
    }
    return op


_BROKEN = {
    "op_id": ["not-a-uuid", "6F9619FF-8B86-D011-B42D-00C04FC964FF", 7, None],
    "device_id": ["bad device", "", 3, "x" * 65, None],
    "user_id": ["bad user", ["42"], None],
    "collection": ["nope", 1, None],
    "record_id": ["bad/id", 5, None],
    "hlc": ["yesterday", "", 17, None],
    "base_version": [-1, 2**31, 2**31 - 1, 1.0, True, "3"],
    "changes": [{}, [], None, {1: 2}, "x"],
    "delete": [True, False, 1],
    "restore": [True, False],
    "resolves": [[], ["visit/x/notes/y"], "x"],
    "extra": [1],
}


@st.composite
def raw_ops(draw) -> object:
    """Mostly usual ops, some with one key broken, dropped or added, some not ops at all."""
    kind = draw(st.sampled_from(["usual", "usual", "broken", "dropped", "other"]))
    if kind == "other":
        return draw(st.one_of(st.none(), st.integers(), st.text(max_size=5),
                              st.lists(st.integers(), max_size=2)))
    op = _usual_op(draw)
    if kind == "broken":
        for _ in range(draw(st.integers(1, 2))):
            key = draw(st.sampled_from(sorted(_BROKEN)))
            op[key] = draw(st.sampled_from(_BROKEN[key]))
    elif kind == "dropped":
        del op[draw(st.sampled_from(sorted(op)))]
    return op


def _seen(item) -> tuple:
    return item.op, item.op_id, item.raw is not None, answer(item.problem), item.author


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(raw_ops(), max_size=8))
def test_a_batch_is_read_as_each_op_is_read_by_the_field_descriptions(raws):
    with patch.object(CollectionSpec, "problem", CollectionSpec.described_problem):
        expected = [_seen(read_op(raw, "42")) for raw in raws]
    assert [_seen(item) for item in read_ops(raws, "42")] == expected
