"""Constants written both in Python and in the PWA's JavaScript say the same thing.

The PWA shares no code with Python, so a card code alphabet or a status order lives in
both languages; each test reads the JavaScript source as text (no JS runtime needed) and
compares its literal with the Python value. A constant that can be derived in Python is
derived instead (``opendata`` takes ``SITE_KINDS`` from ``sync.vocabulary``).
"""

import re
from pathlib import Path

import pytest

from server.cards.tokens import _READ_AS, CODE_ALPHABET
from sync.collections import CARD_STATUS, VISIT
from sync.vocabulary import CHILD_AGE_BANDS

JS = Path(__file__).resolve().parent.parent / "pwa" / "js"
CARDS_JS = JS / "cards.js"
VISITS_JS = JS / "visits.js"


def js_match(pattern: str, what: str, script: Path = CARDS_JS) -> re.Match:
    """The first match of ``pattern`` in ``script``; fails the test, naming ``what``, if none."""
    source = script.read_text(encoding="utf-8")
    match = re.search(pattern, source, re.DOTALL)
    if match is None:
        pytest.fail(f"{what} not found in pwa/js/{script.name} (pattern {pattern!r}): "
                    "if it moved or changed form, update this parity test with it")
    return match


def test_the_card_code_alphabet_is_the_same_in_python_and_javascript():
    alphabet = js_match(r"\bconst CODE_ALPHABET\s*=\s*'([^']*)'", "const CODE_ALPHABET")[1]

    assert alphabet == CODE_ALPHABET, "pwa/js/cards.js CODE_ALPHABET != server/cards/tokens.py"


def test_a_typed_code_reads_misread_letters_the_same_in_python_and_javascript():
    body = js_match(r"export function normaliseCode\(typed\) \{(.*?)\n\}", "normaliseCode")[1]
    # Each .replace(/O/g, '0') or .replace(/[IL]/g, '1') reads those letters as that digit.
    replaces = re.findall(r"\.replace\(/(\w|\[\w+\])/g,\s*'(\w)'\)", body)
    if not replaces:
        pytest.fail("no .replace(/X/g, 'Y') found in normaliseCode in pwa/js/cards.js")
    in_javascript = {letter: digit for letters, digit in replaces for letter in letters.strip("[]")}

    in_python = {chr(letter): digit for letter, digit in _READ_AS.items()}

    assert in_javascript == in_python, "normaliseCode in pwa/js/cards.js != tokens._READ_AS"


def test_the_card_status_order_is_the_same_in_python_and_javascript():
    literal = js_match(r"\bconst STATUS_ORDER\s*=\s*\[([^\]]*)\]", "const STATUS_ORDER")[1]
    order = tuple(re.findall(r"'([^']*)'", literal))

    assert order == CARD_STATUS.order, (
        "pwa/js/cards.js STATUS_ORDER != sync/collections.py CARD_STATUS.order")


def test_a_cards_child_age_bands_are_the_same_in_python_and_javascript():
    literal = js_match(r"export const CHILD_AGE_BANDS\s*=\s*\[([^\]]*)\]",
                       "const CHILD_AGE_BANDS")[1]

    assert tuple(re.findall(r"'([^']*)'", literal)) == CHILD_AGE_BANDS


def test_the_open_days_horizon_is_the_same_in_python_and_javascript():
    from server.directory.opening import HORIZON_DAYS

    source = (CARDS_JS.parent / "finder.js").read_text(encoding="utf-8")
    match = re.search(r"\bexport const OPEN_HORIZON_DAYS\s*=\s*(\d+);", source)
    assert match, "export const OPEN_HORIZON_DAYS not found in pwa/js/finder.js"

    assert int(match[1]) == HORIZON_DAYS, (
        "pwa/js/finder.js OPEN_HORIZON_DAYS != server/directory/opening.py HORIZON_DAYS")


def test_the_phone_holds_back_exactly_the_notes_the_server_would_refuse():
    limit = int(js_match(r"\bexport const NOTES_LIMIT\s*=\s*(\d+)", "const NOTES_LIMIT",
                         VISITS_JS)[1])
    # The phone counts code points ([...notes].length), as Python's len does.
    counted = js_match(r"export function notesLength\(notes\) \{(.*?)\n\}", "notesLength",
                       VISITS_JS)[1]
    check = VISIT.fields["notes"].check

    assert "[...notes].length" in counted
    assert check("😀" * limit) is None, "pwa/js/visits.js NOTES_LIMIT > the server's limit"
    assert check("あ" * (limit + 1)) is not None, (
        "pwa/js/visits.js NOTES_LIMIT < the server's limit (sync/collections.py VISIT notes)")


def test_the_kinds_of_organisation_at_a_liaison_meeting_are_the_same_in_python_and_javascript():
    from schemas.liaison import ORGANISATION_KINDS

    literal = js_match(r"\bexport const ORGANISATION_KINDS\s*=\s*\[([^\]]*)\]",
                       "const ORGANISATION_KINDS", JS / "ui" / "meeting-view.js")[1]

    assert tuple(re.findall(r"'([^']*)'", literal)) == ORGANISATION_KINDS, (
        "pwa/js/ui/meeting-view.js ORGANISATION_KINDS != schemas/liaison.py")
    i18n = (JS / "i18n.js").read_text(encoding="utf-8")
    for kind in ORGANISATION_KINDS:
        assert i18n.count(f"'org.{kind}':") == 2, f"org.{kind} not in both languages"



def test_the_regional_issue_states_and_limits_are_the_same_in_python_and_javascript():
    from schemas.local_issues import STATES
    from sync.collections import LOCAL_ISSUE

    script = JS / "local-issues.js"
    literal = js_match(r"export const STATES\s*=\s*\[([^\]]*)\]", "const STATES", script)[1]
    title = int(js_match(r"export const TITLE_LIMIT\s*=\s*(\d+)", "TITLE_LIMIT", script)[1])
    detail = int(js_match(r"export const DETAIL_LIMIT\s*=\s*(\d+)", "DETAIL_LIMIT", script)[1])

    assert tuple(re.findall(r"'([^']*)'", literal)) == STATES, (
        "pwa/js/local-issues.js STATES != schemas/local_issues.py STATES")
    for name, limit in (("title", title), ("detail", detail)):
        check = LOCAL_ISSUE.fields[name].check
        assert check("😀" * limit) is None, f"pwa/js/local-issues.js {name} limit too high"
        assert check("あ" * (limit + 1)) is not None, f"pwa/js/local-issues.js {name} limit too low"
