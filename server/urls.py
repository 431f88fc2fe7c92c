"""Absolute URLs that leave the server in a QR code or on paper (cards, pairing)."""

from flask import current_app, has_request_context, request


def public_url(path: str) -> str:
    """``path`` (which may carry a ``#fragment``) under the server's public address.

    That address is ``PUBLIC_BASE_URL`` when configured. Otherwise it is where the request
    came, as the trusted proxies name it (``TRUSTED_PROXIES``): a client's own
    X-Forwarded-Host is never believed.

    :raise RuntimeError: no address is configured and there is no request to take it from.
    """
    base = current_app.config["PUBLIC_BASE_URL"]
    if not base:
        if not has_request_context():
            raise RuntimeError("set TSUNAGU_PUBLIC_BASE_URL to build URLs outside a request")
        base = request.url_root
    return f"{base.rstrip('/')}/{path.lstrip('/')}"
