"""The error envelope every failed API request answers with."""

from marshmallow import Schema, fields


class ErrorBodySchema(Schema):
    code = fields.String(required=True, metadata={"description": "stable machine code"})
    message = fields.String(required=True, metadata={"description": "for people, ja / en"})
    # Not named ``fields``: a marshmallow Schema already has an attribute of that name.
    field_errors = fields.Dict(
        data_key="fields",
        attribute="fields",
        keys=fields.String(),
        metadata={"description": "the request fields at fault, each with its messages"},
    )


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)
