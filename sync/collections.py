"""Every synced collection, declared once: its fields, their kinds and valid values.

The kind of a field decides its merge rule (see ``merge``); the checks here decide which
ops are rejected, with which reason. Checks look only at the op, never at stored state,
so whether an op is valid does not depend on the order ops arrive in.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from .protocol import Fault, Reason
from .vocabulary import (
    CHILD_AGE_BANDS,
    CONSULTATION_TOPICS,
    FEATURE_TAGS,
    LOCAL_PEOPLE_ROLES,
    OUTREACH_ROLES,
    OUTREACH_TOPICS,
    PROGRAMME_THEMES,
)

MAX_COUNT = 100_000
"""No session sees more visitors; a bigger number is a typing or client error."""

class Invalid(str):
    """What is wrong with a value, as an English message that also carries its ``fault``
    code, the ``limit`` it broke and, once known, the ``field`` it is in: a phone words
    the codes, and every caller that only wants the text reads it as a string."""

    fault: Fault
    limit: int | None
    field: str | None

    def __new__(cls, message: str, fault: Fault, limit: int | None = None,
                field: str | None = None) -> Invalid:
        made = super().__new__(cls, message)
        made.fault, made.limit, made.field = fault, limit, field
        return made

    def of(self, field: str) -> Invalid:
        """The same fault, said of ``field``."""
        return Invalid(f"{field} {self}", self.fault, self.limit, field)


Check = Callable[[Any], "Invalid | None"]
"""Returns what is wrong with a value, or ``None`` if it is fine."""

Problem = tuple[Reason, str]
"""A reason and its message (an ``Invalid`` when one field is at fault)."""


class Kind(StrEnum):
    COUNTER = "counter"
    REGISTER = "register"
    SET = "set"
    STATUS = "status"


# --- value checks -------------------------------------------------------------------

MAX_ID_LENGTH = 64
_IDENTIFIER = re.compile(rf"[A-Za-z0-9_.-]{{1,{MAX_ID_LENGTH}}}")
_SLOT = re.compile(r"[a-z0-9_-]{1,16}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]")
MAX_RECORD_ID_LENGTH = 200
RECORD_ID = re.compile(rf"[A-Za-z0-9_.:-]{{1,{MAX_RECORD_ID_LENGTH}}}")
"""Record ids never contain ``/``, so a conflict id can name its record."""


@functools.lru_cache(maxsize=4096)
def _derived(identity: Callable[[str], Mapping[str, Any] | None] | None,
             record_id: str) -> tuple[tuple[str, Any], ...] | None:
    # Cached (the length is bounded by the caller): a push reads each op's record id when
    # it checks the op, when it checks the changes and when it makes the record.
    if RECORD_ID.fullmatch(record_id) is None:
        return None
    if identity is None:
        return ()
    derived = identity(record_id)
    return None if derived is None else tuple(derived.items())


def text(max_length: int) -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, str):
            return Invalid("must be text", Fault.BAD_FORMAT)
        if len(value) > max_length:
            return Invalid(f"must be at most {max_length} characters", Fault.TOO_LONG,
                           max_length)
        if not is_unicode(value):
            return Invalid("must be text without lone surrogates (\\ud800…\\udfff)",
                           Fault.BAD_FORMAT)
        return None

    return check


def identifier(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) > MAX_ID_LENGTH or not _is_identifier(value):
        return Invalid(f"must be an id of 1–{MAX_ID_LENGTH} letters, digits, '_', '.' or '-'",
                       Fault.BAD_FORMAT)
    return None


MAX_SITE_ID_LENGTH = 40
"""A site id is indexed with its records (``sync_record_site``), in a column this wide."""


def site_identifier(value: Any) -> str | None:
    if identifier(value) is not None or len(value) > MAX_SITE_ID_LENGTH:
        return Invalid(f"must be a site id of 1–{MAX_SITE_ID_LENGTH} letters, digits, '_', "
                       "'.' or '-'", Fault.BAD_FORMAT)
    return None


@functools.lru_cache(maxsize=1024)
def _is_identifier(text: str) -> bool:
    # Cached: every op of a batch names the same device and user.
    return _IDENTIFIER.fullmatch(text) is not None


def is_unicode(value: str) -> bool:
    """Whether ``value`` has a UTF-8 form: JSON can carry a lone surrogate, no database can."""
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def session_slot(value: Any) -> str | None:
    if not isinstance(value, str) or _SLOT.fullmatch(value) is None:
        return Invalid("must be a session slot such as 'am', 'pm' or '1'", Fault.BAD_FORMAT)
    return None


def iso_date(value: Any) -> str | None:
    if not isinstance(value, str) or _DATE.fullmatch(value) is None:
        return Invalid("must be a date YYYY-MM-DD", Fault.BAD_FORMAT)
    try:
        date.fromisoformat(value)
    except ValueError:
        return Invalid("must be a real calendar date", Fault.BAD_FORMAT)
    return None


def clock_time(value: Any) -> str | None:
    if not isinstance(value, str) or _TIME.fullmatch(value) is None:
        return Invalid("must be a time HH:MM", Fault.BAD_FORMAT)
    return None


def integer(low: int, high: int) -> Check:
    def check(value: Any) -> str | None:
        if type(value) is not int or not low <= value <= high:
            return Invalid(f"must be a whole number from {low} to {high}", Fault.OUT_OF_RANGE,
                           high)
        return None

    return check


def boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else Invalid("must be true or false",
                                                        Fault.BAD_FORMAT)


def one_of(values: Iterable[str]) -> Check:
    allowed = frozenset(values)

    def check(value: Any) -> str | None:
        if not isinstance(value, str) or value not in allowed:
            return Invalid(f"must be one of {', '.join(sorted(allowed))}", Fault.NOT_ALLOWED)
        return None

    return check


# --- field kinds ----------------------------------------------------------------------


@dataclass(frozen=True)
class Lattice:
    """States in a chain, lowest first; the join of two states is the higher one.

    A chain is the simplest lattice with a deterministic join: it is commutative,
    associative and idempotent, so replicas agree whatever order they merge in.
    """

    order: tuple[str, ...]

    def rank(self, state: str) -> int:
        return self.order.index(state)

    def join(self, a: str | None, b: str | None) -> str | None:
        if a is None or b is None:
            return b if a is None else a
        return a if self.rank(a) >= self.rank(b) else b


CARD_STATUS = Lattice(("issued", "opened", "expired", "cancelled", "arrived"))
"""issued → opened → arrived, with expired and cancelled as terminal states.

- ``arrived`` beats everything: the family did reach the site, whatever a timer or a
  change of plan said meanwhile, and that is the fact worth keeping.
- ``expired`` and ``cancelled`` beat ``issued`` and ``opened``: a card that ended
  does not come back because a phone opened it late.
- ``cancelled`` beats ``expired``: a person's decision outranks the timer, and the
  join must pick one of the two the same way everywhere.
"""


@dataclass(frozen=True)
class FieldSpec:
    """A field's kind and what values it takes.

    For a register, ``check`` judges the value (``None`` clears it when ``nullable``);
    for a set, each element; counters take whole numbers 0…``MAX_COUNT``; a status
    takes the states of its ``lattice``.
    """

    kind: Kind
    check: Check | None = None
    lattice: Lattice | None = None
    nullable: bool = True

    def problem(self, change: Any) -> Problem | None:
        """What makes ``change`` invalid for this field, or ``None``."""
        if self.kind is Kind.COUNTER:
            if type(change) is not int or not 0 <= change <= MAX_COUNT:
                return Reason.INVALID_VALUE, Invalid(
                    f"must be a whole number from 0 to {MAX_COUNT}", Fault.OUT_OF_RANGE, MAX_COUNT)
            return None
        if self.kind is Kind.STATUS:
            assert self.lattice is not None
            if not isinstance(change, str) or change not in self.lattice.order:
                return Reason.INVALID_STATUS, Invalid(
                    f"must be one of {', '.join(self.lattice.order)}", Fault.NOT_ALLOWED)
            return None
        if self.kind is Kind.SET:
            return self._set_problem(change)
        if change is None:
            return None if self.nullable else (
                Reason.INVALID_VALUE, Invalid("may not be cleared", Fault.REQUIRED))
        message = self.check(change) if self.check else None
        return None if message is None else (Reason.INVALID_VALUE, message)

    def _set_problem(self, change: Any) -> Problem | None:
        shape = Invalid("must be {\"add\": [...], \"remove\": [...]}", Fault.BAD_FORMAT)
        if not isinstance(change, Mapping) or not change.keys() <= {"add", "remove"}:
            return Reason.INVALID_VALUE, shape
        parts = [change.get("add", []), change.get("remove", [])]
        if not all(isinstance(part, list) for part in parts):
            return Reason.INVALID_VALUE, shape
        for element in parts[0] + parts[1]:
            message = self.check(element) if self.check else None
            if message is None and not isinstance(element, str):
                message = Invalid("elements must be text", Fault.BAD_FORMAT)
            if message is not None:
                return Reason.INVALID_VALUE, Invalid(f"element {element!r} {message}",
                                                     message.fault, message.limit)
        if set(parts[0]) & set(parts[1]):
            return Reason.INVALID_VALUE, Invalid(
                "an element cannot be added and removed by one op", Fault.BAD_FORMAT)
        return None


def counter() -> FieldSpec:
    return FieldSpec(Kind.COUNTER)


def register(check: Check, *, nullable: bool = True) -> FieldSpec:
    return FieldSpec(Kind.REGISTER, check, nullable=nullable)


def set_of(check: Check) -> FieldSpec:
    return FieldSpec(Kind.SET, check)


def status(lattice: Lattice) -> FieldSpec:
    return FieldSpec(Kind.STATUS, lattice=lattice)


# --- collections ------------------------------------------------------------------------


@dataclass(frozen=True)
class CollectionSpec:
    """A collection: fields, the site it belongs to, who may read it, and which writes
    only a site's staff may make.

    ``site_field`` names the owning site: writing a record needs that site in scope, and
    so does moving the record to another site. ``shared_site_field`` names a second site
    that may also read and write it (a card's target site confirms arrival). A ``public``
    collection is readable by everyone (the directory). ``identity`` derives fields from
    the record id for collections whose ids are not random (a session log).
    """

    name: str
    fields: Mapping[str, FieldSpec]
    site_field: str
    shared_site_field: str | None = None
    public: bool = False
    identity: Callable[[str], Mapping[str, Any] | None] | None = field(default=None)
    staff_only: Mapping[str, tuple[Any, str]] = field(default_factory=dict)
    """``field: (value, site_field)``: writing ``value`` to ``field`` needs the user to be
    staff of the site named by ``site_field`` (a card's arrival: the target site)."""
    staff_writes: bool = False
    """Only staff of the record's sites write it (the directory: what a site offers is
    the site's own word, as in the directory's API, not a visiting volunteer's)."""
    minted_ids: bool = False
    """Record ids are minted by the server for a site (a card's short code): the owning
    site an op names must be the one the id was minted for (``apply_push(minted=…)``)."""

    def initial_data(self, record_id: str) -> dict[str, Any] | None:
        """Data of a record before any op; ``None`` if ``record_id`` is not valid here."""
        derived = self._derived(record_id)
        return None if derived is None else dict(derived)

    def accepts_id(self, record_id: str) -> bool:
        """Whether ``record_id`` is a valid id of this collection's records."""
        return self._derived(record_id) is not None

    def derived_fields(self, record_id: str) -> tuple[tuple[str, Any], ...] | None:
        """The fields ``identity`` derives from ``record_id`` as items; ``None`` if the id is
        not valid here."""
        if not isinstance(record_id, str) or len(record_id) > MAX_RECORD_ID_LENGTH:
            return None
        return _derived(self.identity, record_id)

    _derived = derived_fields

    @property
    def site_fields(self) -> tuple[str, ...]:
        """The fields naming the sites a record belongs to, owner first: a record's first
        op must name them all."""
        return tuple(name for name in (self.site_field, self.shared_site_field) if name)

    def sites(self, data: Mapping[str, Any]) -> tuple[str, ...]:
        """The sites a record with ``data`` belongs to, owner first."""
        if self.shared_site_field is None:  # most collections: read twice an op
            site = data.get(self.site_field)
            return () if site is None else (site,)
        names = (self.site_field, self.shared_site_field)
        return tuple(dict.fromkeys(data[n] for n in names if n and data.get(n) is not None))

    def problem(self, record_id: str, changes: Mapping[str, Any]) -> Problem | None:
        """What makes these changes invalid, judged without looking at stored state.

        Runs the checkers ``compile_field`` made once for each field (``checkers``); the
        answer is ``described_problem``'s, which a property test holds it to."""
        return self.changes_problem(changes, self._derived(record_id))

    def changes_problem(self, changes: Mapping[str, Any],
                        derived: tuple[tuple[str, Any], ...] | None) -> Problem | None:
        """``problem`` of a record id whose derived fields (``derived_fields``) are known."""
        checkers = self.checkers
        for name, change in changes.items():
            check = checkers.get(name)
            if check is None:
                return Reason.UNKNOWN_FIELD, f"{self.name} has no field {name!r}"
            found = check(change)
            if found is not None:
                return found
        if derived:
            return _mismatch(derived, changes)
        return None

    def described_problem(self, record_id: str, changes: Mapping[str, Any]) -> Problem | None:
        """``problem`` read straight from the field descriptions, walked per change: the
        reference the compiled ``checkers`` are tested against."""
        for name, change in changes.items():
            spec = self.fields.get(name)
            if spec is None:
                return Reason.UNKNOWN_FIELD, f"{self.name} has no field {name!r}"
            found = spec.problem(change)
            if found is not None:
                return found[0], found[1].of(name)
        return _mismatch(self._derived(record_id) or (), changes)

    @functools.cached_property
    def kinds(self) -> Mapping[str, Kind]:
        """Each field's kind, as the merge reads it once per change."""
        return {name: spec.kind for name, spec in self.fields.items()}

    @functools.cached_property
    def checkers(self) -> Mapping[str, FieldCheck]:
        """Each field's ``compile_field`` checker, made on first use."""
        return {name: compile_field(name, spec) for name, spec in self.fields.items()}


def _mismatch(derived: Iterable[tuple[str, Any]], changes: Mapping[str, Any]) -> Problem | None:
    for name, value in derived:
        if name in changes and changes[name] != value:
            return Reason.INVALID_VALUE, Invalid(
                f"{name} must be {value!r}, as in the record id", Fault.MISMATCH, field=name)
    return None


FieldCheck = Callable[[Any], "Problem | None"]
"""What is wrong with one change of one field, said of the field, or ``None``."""


def compile_field(name: str, spec: FieldSpec) -> FieldCheck:
    """``spec.problem`` said of ``name`` (``Invalid.of``), as one function made once.

    A push checks every change of every op: walking the description per change (the kind,
    then the check, then a new message naming the field) was a tenth of a push's CPU. The
    answers a kind can give that do not depend on the value are made here, once; a value
    whose answer does (a set's element, a text's own check) goes to ``spec.problem``."""

    def said(found: Problem) -> Problem:
        return found[0], found[1].of(name)

    if spec.kind is Kind.COUNTER:
        out_of_range = said(spec.problem(None))

        def counter_check(change: Any, high: int = MAX_COUNT) -> Problem | None:
            return None if type(change) is int and 0 <= change <= high else out_of_range

        return counter_check
    if spec.kind is Kind.STATUS:
        assert spec.lattice is not None
        states, not_a_state = frozenset(spec.lattice.order), said(spec.problem(None))

        def status_check(change: Any) -> Problem | None:
            return None if isinstance(change, str) and change in states else not_a_state

        return status_check
    if spec.kind is Kind.SET:

        def set_check(change: Any) -> Problem | None:
            found = spec.problem(change)
            return None if found is None else said(found)

        return set_check
    cleared = None if spec.nullable else said(spec.problem(None))
    value_check = spec.check
    if value_check is None:
        return lambda change: cleared if change is None else None

    def register_check(change: Any) -> Problem | None:
        if change is None:
            return cleared
        message = value_check(change)
        return None if message is None else (Reason.INVALID_VALUE, message.of(name))

    return register_check


# Wishes (FEATURE_TAGS) and concerns (CONSULTATION_TOPICS) come from ``vocabulary``, the
# one list the server, the schemas and sync share (GLOSSARY.md).
CONSULTATION_ANSWERS = ("answered_on_site", "referred_to_site", "connected_to_ward")

VISITOR_COUNTERS = (
    "parents",
    "children_0",
    "children_1",
    "children_2",
    "children_3plus",
    "expecting_parents",
    "fathers",
    "grandparents",
    "first_time",
    "in_ward",
    "out_of_ward",
)

CONSULTATION_COUNTERS = tuple(
    f"consultation_{topic}_{answer}"
    for topic in CONSULTATION_TOPICS
    for answer in CONSULTATION_ANSWERS
)

def visit_record_id(site_id: str, session_date: str, session: str) -> str:
    """The id of the session log of one site, date and session slot.

    Two phones logging the same session offline compute the same id, so their tallies
    land in one record instead of two. The id is ``"{site_id}:{session_date}:{session}"``
    (for example ``"kohoku-hiroba:2025-04-08:am"``); none of the parts may contain ``:``,
    so the id reads back unambiguously. A phone computes it with plain string joining.

    :raise ValueError: a part is not a valid site id, ISO date or session slot.
    """
    for name, check, value in (
        ("site_id", site_identifier, site_id),
        ("session_date", iso_date, session_date),
        ("session", session_slot, session),
    ):
        message = check(value)
        if message is not None:
            raise ValueError(f"{name} {message}")
    return f"{site_id}:{session_date}:{session}"


def parse_visit_record_id(record_id: str) -> dict[str, str] | None:
    """``{"site_id", "session_date", "session"}`` from a visit id, or ``None``."""
    parts = _visit_parts(record_id)
    return None if parts is None else dict(zip(_VISIT_PARTS, parts, strict=True))


_VISIT_PARTS = ("site_id", "session_date", "session")


@functools.lru_cache(maxsize=4096)
def _visit_parts(record_id: str) -> tuple[str, ...] | None:
    # Cached: a push checks the id of every op, and a batch often repeats one session.
    # The checks of ``visit_record_id``, its site and date parts looked up once each: a
    # batch's new sessions name a few sites and dates, each slot a new one.
    parts = tuple(record_id.split(":"))
    if len(parts) != 3:
        return None
    site_id, session_date, session = parts
    if (not _part_fits(site_identifier, site_id) or not _part_fits(iso_date, session_date)
            or session_slot(session) is not None):
        return None
    return parts


@functools.lru_cache(maxsize=4096)
def _part_fits(check: Check, part: str) -> bool:
    return check(part) is None


_TEXT_LONG = text(2000)

VISIT = CollectionSpec(
    name="visit",
    fields={
        **{name: counter() for name in VISITOR_COUNTERS + CONSULTATION_COUNTERS},
        # The 「心配なことがある」 button: a family connected to the ward office on the spot.
        "connected_to_ward_count": counter(),
        "needs": set_of(one_of(FEATURE_TAGS)),
        "on_duty": set_of(identifier),
        "site_id": register(site_identifier, nullable=False),
        "session_date": register(iso_date, nullable=False),
        "session": register(session_slot, nullable=False),
        "notes": register(_TEXT_LONG),
    },
    site_field="site_id",
    identity=parse_visit_record_id,
)

CARD = CollectionSpec(
    name="card",
    fields={
        "status": status(CARD_STATUS),
        "issued_on": register(iso_date, nullable=False),
        "issuing_site_id": register(site_identifier, nullable=False),
        "target_site_id": register(site_identifier, nullable=False),
        "programme_id": register(identifier),
        "planned_date": register(iso_date),
        "ask_for": register(text(100)),
        "message": register(text(500)),
        "wishes": set_of(one_of(FEATURE_TAGS)),
        "child_age": register(one_of(CHILD_AGE_BANDS)),
    },
    site_field="issuing_site_id",
    shared_site_field="target_site_id",
    # Only the site the family reached can say it did: its staff, not a volunteer.
    staff_only={"status": ("arrived", "target_site_id")},
    minted_ids=True,
)

def outreach_record_id(place_site_id: str, visit_date: str, site_id: str) -> str:
    """The id of one outreach visit: the place visited, the date, and the visiting site.

    The nursery teacher and the nurse who went together compute the same id on their own
    phones, so their counts land in one record, as two phones logging one session do.

    :raise ValueError: a part is not a valid site id or ISO date.
    """
    for name, check, value in (
        ("place_site_id", site_identifier, place_site_id),
        ("visit_date", iso_date, visit_date),
        ("site_id", site_identifier, site_id),
    ):
        message = check(value)
        if message is not None:
            raise ValueError(f"{name} {message}")
    return f"{place_site_id}:{visit_date}:{site_id}"


_OUTREACH_PARTS = ("place_site_id", "visit_date", "site_id")


def parse_outreach_record_id(record_id: str) -> dict[str, str] | None:
    """``{"place_site_id", "visit_date", "site_id"}`` from an outreach id, or ``None``."""
    parts = _outreach_parts(record_id)
    return None if parts is None else dict(zip(_OUTREACH_PARTS, parts, strict=True))


@functools.lru_cache(maxsize=4096)
def _outreach_parts(record_id: str) -> tuple[str, ...] | None:
    parts = tuple(record_id.split(":"))
    if len(parts) != 3:
        return None
    place_site_id, visit_date, site_id = parts  # as ``outreach_record_id`` checks them
    if (not _part_fits(site_identifier, place_site_id) or not _part_fits(iso_date, visit_date)
            or not _part_fits(site_identifier, site_id)):
        return None
    return parts


OUTREACH_COUNTERS = (
    *(f"went_{role}" for role in OUTREACH_ROLES),
    "parents",
    "children",
    *(f"met_{role}" for role in LOCAL_PEOPLE_ROLES),
)

OUTREACH = CollectionSpec(
    name="outreach",
    fields={
        **{name: counter() for name in OUTREACH_COUNTERS},
        "place_site_id": register(site_identifier, nullable=False),
        "visit_date": register(iso_date, nullable=False),
        "site_id": register(site_identifier, nullable=False),
        "topics": set_of(one_of(OUTREACH_TOPICS)),
        "follow_up": register(text(300)),
        "follow_up_site_id": register(site_identifier),
        "follow_up_by": register(iso_date),
        "summary": register(_TEXT_LONG),
    },
    # The visiting site owns the record; the place visited (a salon) sees it too.
    site_field="site_id",
    shared_site_field="place_site_id",
    identity=parse_outreach_record_id,
)


REVIEW_STATUS = Lattice(("open", "done"))
"""A review mark is raised, then settled: once the author marked it done it stays done
(a new question is a new mark)."""

REVIEWED_COLLECTIONS = ("visit", "outreach")

REVIEW = CollectionSpec(
    name="review",
    fields={
        "site_id": register(site_identifier, nullable=False),
        "target_collection": register(one_of(REVIEWED_COLLECTIONS), nullable=False),
        "target_record_id": register(text(MAX_RECORD_ID_LENGTH), nullable=False),
        "comment": register(text(500)),
        "status": status(REVIEW_STATUS),
        "done_note": register(text(500)),
    },
    # The reviewed record's site: its phones pull the mark, the ward's desk sees it.
    site_field="site_id",
    # Hub staff (staff of every site of their ward) raise a mark; its author settles it.
    staff_only={"status": ("open", "site_id")},
)


LOCAL_ISSUE_TITLE_LIMIT = 120
LOCAL_ISSUE_DETAIL_LIMIT = 1000

LOCAL_ISSUE = CollectionSpec(
    name="local_issue",
    fields={
        "site_id": register(site_identifier, nullable=False),
        "title": register(text(LOCAL_ISSUE_TITLE_LIMIT), nullable=False),
        "detail": register(text(LOCAL_ISSUE_DETAIL_LIMIT)),
        "raised_on": register(iso_date, nullable=False),
    },
    # A regional issue (地域課題) raised from a phone: it belongs to the site of the
    # supporter who raised it, and its id is random (made on the phone, offline), since no
    # two people raise "the same" issue by computing an id. What the hub does with it (its
    # state, meetings, initiative, roles) is the hub's own record on the server
    # (server/local_issues), not synced fields a phone could overwrite.
    site_field="site_id",
)

def _directory_fields() -> dict[str, FieldSpec]:
    return {
        "site_id": register(site_identifier, nullable=False),
        "title": register(text(200)),
        "theme": register(one_of(PROGRAMME_THEMES)),
        "rrule": register(text(300)),
        "one_off_date": register(iso_date),
        "starts_at": register(clock_time),
        "ends_at": register(clock_time),
        "target_age_min_months": register(integer(0, 216)),
        "target_age_max_months": register(integer(0, 216)),
        "capacity": register(integer(0, 10_000)),
        "booking_required": register(boolean),
        "what_to_bring": register(text(500)),
        "cancelled_dates": set_of(iso_date),
    }


PROGRAMME = CollectionSpec("programme", _directory_fields(), site_field="site_id", public=True,
                           staff_writes=True)
EVENT = CollectionSpec("event", _directory_fields(), site_field="site_id", public=True,
                       staff_writes=True)

COLLECTIONS: Mapping[str, CollectionSpec] = {
    spec.name: spec for spec in (VISIT, CARD, OUTREACH, REVIEW, PROGRAMME, EVENT,
                                  LOCAL_ISSUE)
}
