"""``/api/openapi.json``: built from the schemas each view declares with ``api.documented``."""

import re

from flask import Blueprint, current_app, jsonify

from schemas.errors import ErrorSchema

from .api import ApiDoc

bp = Blueprint("api_docs", __name__, url_prefix="/api")

_CONVERTER = re.compile(r"<(?:[a-z_]+:)?([a-z_]+)>")
_INT_ARGUMENT = re.compile(r"<int:([a-z_]+)>")


def _schema_name(schema) -> str:
    from apispec.ext.marshmallow.common import resolve_schema_cls

    return resolve_schema_cls(schema).__name__.removesuffix("Schema")


def build_spec(app) -> dict:
    """An OpenAPI 3.0 document of every documented route of ``app``."""
    from apispec import APISpec
    from apispec.ext.marshmallow import MarshmallowPlugin

    spec = APISpec(
        title="Tsunagu API",
        version="1",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin(schema_name_resolver=_schema_name)],
        info={"description": "Directory, accounts, devices and sync of Tsunagu (つなぐ)."},
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=ErrorSchema)
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        doc: ApiDoc | None = getattr(app.view_functions[rule.endpoint], "api_doc", None)
        if doc is None:
            continue
        path = _CONVERTER.sub(r"{\1}", rule.rule)
        operations = {}
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            operations[method.lower()] = _operation(doc, rule)
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def _operation(doc: ApiDoc, rule) -> dict:
    operation: dict = {"summary": doc.summary, "tags": [doc.tag], "responses": {}}
    integers = set(_INT_ARGUMENT.findall(rule.rule))
    parameters = [
        {"in": "path", "name": name, "required": True,
         "schema": {"type": "integer" if name in integers else "string"}}
        for name in sorted(rule.arguments)
    ]
    if doc.query:
        parameters.append({"in": "query", "schema": doc.query})
    if parameters:
        operation["parameters"] = parameters
    if doc.auth:
        operation["security"] = [{"bearer": []}]
    if doc.body:
        operation["requestBody"] = {
            "required": True, "content": {"application/json": {"schema": doc.body}}}
    success: dict = {"description": "OK"}
    if doc.response:
        schema = {"type": "array", "items": doc.response} if doc.many else doc.response
        success["content"] = {doc.content_type: {"schema": schema}}
    if doc.files:
        success["content"] = {media_type: {"schema": {"type": "string", "format": "binary"}}
                              for media_type in doc.files}
    operation["responses"][str(doc.status)] = success
    for status in doc.errors:
        operation["responses"][str(status)] = {
            "description": "error", "content": {"application/json": {"schema": "Error"}}}
    return operation


@bp.get("/openapi.json")
def openapi():
    return jsonify(build_spec(current_app))
