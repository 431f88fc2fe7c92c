"""Wire schemas (marshmallow) for every request and response of the API."""
