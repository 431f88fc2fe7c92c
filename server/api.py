"""The API edge: load a request through a schema, dump a response through one, document both.

Views use ``load_body``/``load_query`` and ``respond``; ``documented`` records what
``/api/openapi.json`` says about the view, so the document and the code cannot drift apart.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import request
from marshmallow import Schema

from .errors import ApiError


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


def documented(summary: str, tag: str, **kwargs) -> Callable:
    def decorate(view):
        view.api_doc = ApiDoc(summary=summary, tag=tag, **kwargs)
        return view

    return decorate


def load_body(schema: Schema):
    """Parse the JSON body with ``schema``.

    :raise 400: the body is not a JSON object.
    :raise 422: a field is missing, unknown or of the wrong type (``fields`` says which).
    """
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError(400, "invalid_json",
                       "本文が JSON ではありません / The request body is not valid JSON.")
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json",
                       "本文は JSON オブジェクトにしてください / The body must be a JSON object.")
    return schema.load(data)


def load_query(schema: Schema):
    """Parse the query string with ``schema``. :raise 422: with the parameter at fault."""
    return schema.load(request.args.to_dict())


def respond(schema: Schema, obj, status: int = 200):
    return schema.dump(obj), status
