"""Every code the server can answer a phone with has a Japanese and an English text in
``pwa/js/i18n.js``: the phone words refusals from codes (``pwa/js/error-words.js``), never
from the server's English message.

The codes are collected from the source, not listed here: a new ``ApiError`` code, sync
error, rejection reason or fault without its texts fails this test.
"""

import ast
import re
from pathlib import Path

import pytest

from server.errors import HTTP_CODES
from sync import errors as sync_errors
from sync.protocol import Fault, Reason

ROOT = Path(__file__).resolve().parent.parent
I18N = ROOT / "pwa" / "js" / "i18n.js"


def dictionaries() -> dict[str, set[str]]:
    """The keys of the ``ja`` and ``en`` dictionaries of i18n.js."""
    text = I18N.read_text(encoding="utf-8")
    ja_start, en_start = text.index("\n  ja: {"), text.index("\n  en: {")
    end = text.index("\n};", en_start)
    key = re.compile(r"^\s{4}'([^']+)':", re.MULTILINE)
    return {"ja": set(key.findall(text[ja_start:en_start])),
            "en": set(key.findall(text[en_start:end]))}


def api_error_codes() -> set[str]:
    """The code of every ``ApiError(status, code, …)`` raised or built anywhere in server/."""
    codes = set()
    for path in (ROOT / "server").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id",
                                                       getattr(node.func, "attr", None))
                    == "ApiError"):
                code = node.args[1] if len(node.args) > 1 else next(
                    (k.value for k in node.keywords if k.arg == "code"), None)
                assert isinstance(code, ast.Constant) and isinstance(code.value, str), (
                    f"{path.name}:{node.lineno}: an ApiError code must be a literal, "
                    "so that this test can find it")
                codes.add(code.value)
    return codes


def sync_error_codes() -> set[str]:
    found = set()
    stack = [sync_errors.SyncError]
    while stack:
        cls = stack.pop()
        if isinstance(cls.__dict__.get("code"), str):
            found.add(cls.code)
        stack.extend(cls.__subclasses__())
    return found


def test_the_scan_finds_the_codes_it_is_meant_to_find():
    # Guards the collectors themselves: a scan that found nothing would pass vacuously.
    assert {"bad_credentials", "device_revoked", "pairing_expired",
            "too_many_outstanding_tokens", "not_found"} <= api_error_codes()
    assert {"conflict_not_found", "stale_batch", "unsupported_protocol"} <= sync_error_codes()


ERROR_KEYS = sorted(
    {f"error.{code}" for code in (*HTTP_CODES.values(), "http_error", "offline")}
    | {f"error.{code}" for code in api_error_codes() | sync_error_codes()}
    | {f"reason.{reason}" for reason in Reason}
    | {f"fault.{fault}" for fault in Fault}
    # What the phone says when a code is none of these, and how it names fields at fault.
    | {"error.unknown", "error.with_fields", "field.unknown"})


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("key", ERROR_KEYS)
def test_every_error_code_has_a_text(key, language):
    assert key in dictionaries()[language]


def test_the_japanese_texts_are_japanese():
    text = I18N.read_text(encoding="utf-8")
    ja = text[text.index("\n  ja: {"):text.index("\n  en: {")]
    for key in set(ERROR_KEYS) - {"error.with_fields"}:  # only punctuation around its parts
        (value,) = re.findall(rf"^\s{{4}}'{re.escape(key)}': '([^']*)',$", ja, re.MULTILINE)
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", value), (key, value)


def test_the_phone_never_shows_the_servers_message():
    # The message of an error or a rejection is the server's, in English at least in part:
    # no screen reads it, the desk's included.
    for path in (ROOT / "pwa" / "js").rglob("*.js"):
        if path.name == "i18n.js":  # where pickLanguage is defined
            continue
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"pickLanguage\([^)]*message", source), path.name
