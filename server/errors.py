"""One JSON error envelope for the whole API: ``{"error": {"code", "message", "fields"}}``."""

from flask import Flask, jsonify, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from schemas.errors import ErrorSchema

from .extensions import db

# Stable machine codes for HTTP errors; clients switch on these, never on the message.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
}


class ApiError(Exception):
    """An error a view raises on purpose, with its status, stable code and the fields at fault."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}


def error_response(status: int, code: str, message: str, fields: dict | None = None):
    body = ErrorSchema().dump({"error": {"code": code, "message": message, "fields": fields or {}}})
    return jsonify(body), status


def register(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(error: ApiError):
        db.session.rollback()
        return error_response(error.status, error.code, error.message, error.fields)

    @app.errorhandler(ValidationError)
    def _validation_error(error: ValidationError):
        db.session.rollback()
        fields = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        return error_response(
            422, "invalid", "入力内容を確認してください / Please check the input.", fields)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        db.session.rollback()
        if not request.path.startswith("/api/"):
            return error
        status = error.code or 500
        response, status = error_response(
            status, HTTP_CODES.get(status, "http_error"), error.description or error.name
        )
        # Keep headers such as Allow and Retry-After that werkzeug and the limiter set.
        for key, value in error.get_headers():
            if key.lower() != "content-type":
                response.headers[key] = value
        return response, status
