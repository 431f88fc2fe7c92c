"""Serves the phone app (``pwa/``) with the service worker at the root scope."""

from pathlib import Path

from flask import Blueprint, abort, send_from_directory

bp = Blueprint("pwa", __name__)

# Installed: the tree ships as package data beside this module; in a checkout it is ../pwa.
_CANDIDATES = (Path(__file__).parent / "pwa_static", Path(__file__).parent.parent / "pwa")
PWA_DIR = next((p for p in _CANDIDATES if p.is_dir()), _CANDIDATES[-1])

# A strict policy: everything the app needs comes from this origin (no CDN, no inline script).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; manifest-src 'self'; worker-src 'self'; object-src 'none'; "
    "base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)


def _send(path: str):
    response = send_from_directory(PWA_DIR, path)
    # The service worker and the shell must be revalidated, or an update never reaches phones.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/")
def index():
    return _send("index.html")


@bp.get("/sw.js")
def service_worker():
    return _send("sw.js")


@bp.get("/manifest.webmanifest")
def manifest():
    response = _send("manifest.webmanifest")
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/<path:path>")
def asset(path: str):
    if path.startswith("api/"):
        abort(404)
    return _send(path)
