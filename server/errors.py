"""One JSON error envelope for the whole API: ``{"error": {"code", "message", "fields"}}``."""

from flask import Flask, jsonify, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from schemas.errors import ErrorSchema
from sync import errors as sync_errors

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


# HTTP status of each sync error; the error's own ``code`` goes on the wire unchanged.
SYNC_STATUS = {
    sync_errors.UnsupportedProtocol: 400,
    sync_errors.BatchTooLarge: 413,
    sync_errors.InvalidRequest: 422,
    sync_errors.UnknownRecord: 404,
    sync_errors.ConflictNotFound: 404,
    sync_errors.QuarantineNotFound: 404,
    sync_errors.QuarantineClosed: 409,
    sync_errors.OpIdReused: 409,
    sync_errors.RejectedOp: 422,
    sync_errors.StaleBatch: 409,
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

    @app.errorhandler(sync_errors.SyncError)
    def _sync_error(error: sync_errors.SyncError):
        db.session.rollback()
        status = next((s for cls, s in SYNC_STATUS.items() if isinstance(error, cls)), 400)
        return error_response(status, error.code, str(error))

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
        if status == 413:
            # The body was refused unread, so the connection cannot carry another request.
            response.headers["Connection"] = "close"
        return response, status
