"""What a request may carry before any view sees it, so that hostile input is a 4xx, never a 500.

- ``<int:…>`` in a URL matches only ids that fit a signed 64-bit column; a longer one is an
  unknown URL (404), not a driver's overflow.
- Request bodies are JSON as RFC 8259 has it: no ``NaN``/``Infinity`` (nor a number that
  only fits as one), nesting at most ``MAX_JSON_DEPTH`` deep (Python's parser would go
  about a thousand levels down and end in a ``RecursionError``).
- ``unstorable_values`` finds what no column can hold: integers beyond 64 bits and text with a
  lone surrogate (it has no UTF-8 form, so the database driver cannot encode it).
  ``api.load_body`` and ``api.load_query`` refuse those with a 422 naming the field.
- An ``/api/`` URL that no API route has answers 404 for every method, and a known one
  with a wrong method 405 with its own ``Allow``: the PWA's catch-all ``GET`` route would
  otherwise make the first a 405 and add GET to the second.
- Every answer says ``X-Content-Type-Options: nosniff``, and JSON answers are always UTF-8.
"""

import json
import math
import re
from collections import deque
from collections.abc import Collection, Mapping

import orjson
from flask import Flask, current_app, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import IntegerConverter, RequestRedirect

from sync.collections import is_unicode

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
MAX_JSON_DEPTH = 64
"""Ten times what any request needs (a push op is five levels deep); far below the depth at
which orjson (255) or the standard library's encoder (the recursion limit) gives up."""
MAX_REPORTED = 10  # fields named in one 422: a body of a million bad values gets a short answer

API_PREFIX = "/api/"
_ROUTED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

OUT_OF_RANGE = "整数が大きすぎます / Integer out of range (64 bits)."
NOT_UNICODE = "文字が正しくありません (対のないサロゲート) / Text contains a lone surrogate."
NUL_CHARACTER = "文字が正しくありません (NUL) / Text contains a NUL character."


def init_app(app: Flask) -> None:
    """Bind all of the above to ``app``; call before any blueprint is registered."""
    app.json = StrictJSONProvider(app)
    app.url_map.converters["int"] = Int64Converter
    app.before_request(_api_urls_answer_for_api_routes_only)
    app.after_request(_nosniff)


class Int64Converter(IntegerConverter):
    """werkzeug's ``int``, bounded to a signed 64-bit integer unless the rule bounds it."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = None, signed: bool = False) -> None:
        super().__init__(map, fixed_digits, INT64_MIN if min is None else min,
                         INT64_MAX if max is None else max, signed)


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's provider, whose ``loads`` (behind every ``request.get_json``) accepts JSON only,
    and whose ``dumps`` always gives text that UTF-8 can carry."""

    def dumps(self, obj, **kwargs) -> str:
        text = super().dumps(obj, **kwargs)
        if is_unicode(text):
            return text
        # A lone surrogate (a quarantined op keeps what the phone sent) has no UTF-8 form,
        # but it has a JSON one: its escape, as ensure_ascii writes it.
        return super().dumps(obj, **{**kwargs, "ensure_ascii": True})

    def loads(self, s: str | bytes, **kwargs):
        """:raise ValueError: ``NaN``, ``Infinity``, ``-Infinity`` or a number beyond a
        double, or nesting deeper than ``MAX_JSON_DEPTH``; ``get_json`` makes that a failed
        parse (400)."""
        if not kwargs and type(s) in _LONG_NUMBER and _LONG_NUMBER[type(s)].search(s) is None:
            # orjson reads a push's body about three times as fast. Where it would read
            # another value (an integer beyond 64 bits becomes a float) the text holds a
            # run of 19 digits or more, and any text it refuses is read again below: what
            # is accepted, and every refusal, stays the standard library's.
            try:
                value = orjson.loads(s)
            except orjson.JSONDecodeError:
                pass
            else:
                if _nested_deeper_than(value, MAX_JSON_DEPTH):
                    raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
                return value
        kwargs.setdefault("parse_constant", _refuse_constant)
        kwargs.setdefault("parse_float", _finite_float)
        try:
            value = json.loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
        if _nested_deeper_than(value, MAX_JSON_DEPTH):
            raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        return value


_LONG_NUMBER = {str: re.compile(r"[0-9]{19}"), bytes: re.compile(rb"[0-9]{19}")}
"""A run of digits as long as the longest 64-bit integer's: read by the standard library."""


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):  # 1e999 would become Infinity
        raise ValueError(f"{text} does not fit a double")
    return number


def _nested_deeper_than(value, limit: int) -> bool:
    # Level by level, without recursion (the value may be as deep as the parser allowed);
    # exact types, as the parser makes them: a tenth of the parse's time on a large push.
    if type(value) not in _CONTAINERS:
        return False
    level = [value]
    for _depth in range(limit):
        level = [child for node in level
                 for child in (node.values() if type(node) is dict else node)
                 if type(child) in _CONTAINERS]
        if not level:
            return False
    return True


_CONTAINERS = (dict, list)


def unstorable_values(value, *, skip: Collection[str] = (),
                      names: Mapping[str, str] | None = None) -> dict[str, list[str]]:
    """Where ``value`` holds what no column can: an integer outside 64 bits, or a text (value
    or key) with a lone surrogate or a NUL character, keyed by dotted path (``site_ids.1``), at most
    ``MAX_REPORTED`` of them.

    :param skip: top-level keys whose contents are not looked at.
    :param names: the name to report for a top-level key (a loaded attribute's wire name).
    """
    problems: dict[str, list[str]] = {}
    pending = deque([((), value)])
    while pending and len(problems) < MAX_REPORTED:
        path, node = pending.popleft()
        if isinstance(node, dict):
            for key, child in node.items():
                if not path and key in skip:
                    continue
                wrong = _text_problem(key) if isinstance(key, str) else None
                if wrong:
                    problems[_dotted((*path, key), names)] = [wrong]
                else:
                    pending.append(((*path, key), child))
        elif isinstance(node, list | tuple):
            pending.extend(((*path, index), child) for index, child in enumerate(node))
        elif isinstance(node, str):
            wrong = _text_problem(node)
            if wrong:
                problems[_dotted(path, names)] = [wrong]
        elif isinstance(node, int) and not INT64_MIN <= node <= INT64_MAX:
            problems[_dotted(path, names)] = [OUT_OF_RANGE]
    return problems


def _text_problem(text: str) -> str | None:
    if not is_unicode(text):
        return NOT_UNICODE
    # PostgreSQL's text holds no NUL character; no person types one.
    if "\x00" in text:
        return NUL_CHARACTER
    return None


def _dotted(path: tuple, names: Mapping[str, str] | None) -> str:
    if not path:
        return "_schema"
    first, *rest = path
    if names and isinstance(first, str):
        first = names.get(first, first)
    # The answer is UTF-8: a key with a surrogate is named by its escape (\ud800).
    return ".".join(str(part).encode("utf-8", "backslashreplace").decode("utf-8")
                    for part in (first, *rest))


def _api_urls_answer_for_api_routes_only():
    """The PWA's catch-all ``GET /<path:path>`` matches every ``/api/`` path too; only the
    API's own routes count there.

    :raise 404: no API route has this path, whatever the method.
    :raise 405: API routes have this path, for other methods (``Allow`` lists theirs).
    :return: for OPTIONS, the answer with the API routes' methods in ``Allow``.
    """
    if not request.path.startswith(API_PREFIX):
        return None
    rule = request.url_rule
    if rule is not None and rule.rule.startswith(API_PREFIX) and (
            request.method != "OPTIONS"
            or not getattr(rule, "provide_automatic_options", False)):
        return None
    if isinstance(request.routing_exception, RequestRedirect):
        return None
    methods = _api_methods_of_this_path()
    if not methods:
        raise NotFound()
    if request.method == "OPTIONS":
        response = current_app.response_class()
        response.allow.update(methods)
        return response
    raise MethodNotAllowed(valid_methods=sorted(methods))


def _api_methods_of_this_path() -> set[str]:
    adapter = current_app.create_url_adapter(request)
    methods: set[str] = set()
    for method in _ROUTED_METHODS:
        try:
            rule, _arguments = adapter.match(method=method, return_rule=True)
        except HTTPException:  # not found, wrong method, or a redirect
            continue
        if rule.rule.startswith(API_PREFIX):
            methods |= rule.methods or set()
    return methods


def _nosniff(response):
    # A JSON answer must never be read as HTML or script; the PWA's pages set it themselves.
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response
