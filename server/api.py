"""The API edge: load a request through a schema, dump a response through one, document both.

Views use ``load_body``/``load_query`` and ``respond``; ``documented`` records what
``/api/openapi.json`` says about the view, so the document and the code cannot drift apart.
"""

from collections.abc import Callable, Collection
from dataclasses import dataclass

from flask import request
from marshmallow import Schema, ValidationError
from werkzeug.exceptions import RequestEntityTooLarge

from .errors import ApiError
from .request_limits import unstorable_values


@dataclass(frozen=True)
class ApiDoc:
    summary: str
    tag: str
    body: type[Schema] | None = None
    query: type[Schema] | None = None
    response: type[Schema] | None = None
    many: bool = False
    status: int = 200
    auth: bool = True
    errors: tuple[int, ...] = ()
    content_type: str = "application/json"
    files: tuple[str, ...] = ()
    """The media types of a view that answers a file (CSV, XLSX) instead of JSON."""


def documented(summary: str, tag: str, **kwargs) -> Callable:
    def decorate(view):
        view.api_doc = ApiDoc(summary=summary, tag=tag, **kwargs)
        return view

    return decorate


def load_body(schema: Schema, *, verbatim: Collection[str] = ()):
    """Parse the JSON body with ``schema``.

    The body must be JSON (``request_limits.StrictJSONProvider``: no NaN, bounded nesting),
    and nothing in it may be beyond what a column holds: integers of more than 64 bits, text
    with a lone surrogate. ``verbatim`` names top-level keys whose contents are not checked
    for the latter, because the caller checks them item by item (a push's ``ops``); when such
    a key holds a list, the schema loads it as an empty one (its field must not check the
    length) and the caller gets the items as sent.

    :raise 400: the body is not a JSON object.
    :raise 413: the body is longer than ``MAX_CONTENT_LENGTH``.
    :raise 422: a field is missing, unknown, of the wrong type or unstorable (``fields``
        says which, as a dotted path for a nested one).
    """
    _refuse_truncated_body()
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError(400, "invalid_json",
                       "本文が JSON ではありません / The request body is not valid JSON.")
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json",
                       "本文は JSON オブジェクトにしてください / The body must be a JSON object.")
    _refuse_unstorable(unstorable_values(data, skip=verbatim))
    return _loaded(schema, data, verbatim)


def load_query(schema: Schema):
    """Parse the query string with ``schema``.

    :raise 422: with the parameter at fault (also one whose number is beyond 64 bits).
    """
    args = request.args.to_dict()
    _refuse_unstorable(unstorable_values(args))
    return _loaded(schema, args, ())


def _loaded(schema: Schema, data: dict, verbatim: Collection[str]):
    # A number may arrive as text ("99999999999999999999") and be loaded as an int, so the
    # loaded values are looked at too, reported under their names on the wire.
    wire = {field.attribute or name: field.data_key or name
            for name, field in schema.fields.items()}
    # A verbatim list is the caller's to check item by item: the schema is shown it empty,
    # so it still answers for a missing key or one that is no list, and the list comes back
    # as it came (a push's 500 ops went through the schema one field call each).
    held = {name: data[name] for name in verbatim if type(data.get(name)) is list}
    loaded = schema.load({**data, **dict.fromkeys(held, [])} if held else data)
    for attribute, name in wire.items():
        if name in held:
            loaded[attribute] = held[name]
    skip = {attribute for attribute, name in wire.items() if name in verbatim}
    _refuse_unstorable(unstorable_values(loaded, skip=skip, names=wire))
    return loaded


def _refuse_unstorable(problems: dict[str, list[str]]) -> None:
    if problems:
        raise ValidationError(problems)


def _refuse_truncated_body() -> None:
    # A body without Content-Length (chunked) is read up to MAX_CONTENT_LENGTH and then cut
    # off there by werkzeug, silently: a body that long may have been longer.
    limit = request.max_content_length
    if limit is not None and request.content_length is None:
        if len(request.get_data(cache=True)) >= limit:
            raise RequestEntityTooLarge()


def respond(schema: Schema, obj, status: int = 200):
    return schema.dump(obj), status
