"""Serves the phone app (``pwa/``) with the service worker at the root scope."""

import hashlib
import json
import mimetypes
import os
from functools import cache
from pathlib import Path

from flask import Blueprint, Response, abort, request
from werkzeug.security import safe_join

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

# What the first load needs and the service worker keeps for use with no signal.
SHELL_SUFFIXES = {".js", ".mjs", ".css", ".webmanifest"}
SHELL_EXTRA = ("icons/icon.svg",)


def shell_paths(root: Path | None = None) -> list[str]:
    """Relative paths of the app shell, sorted; ``sw.js`` itself is not part of it."""
    root = root or PWA_DIR
    found = [p.relative_to(root).as_posix() for p in root.rglob("*")
             if p.is_file() and p.suffix in SHELL_SUFFIXES and p.name != "sw.js"]
    return sorted({"index.html", *found, *(e for e in SHELL_EXTRA if (root / e).is_file())})


@cache
def service_worker_source() -> str:
    """``sw.js`` with the shell's file list and a version that changes with any of them."""
    paths = shell_paths()
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.encode() + b"\0" + (PWA_DIR / path).read_bytes())
    urls = ["/" if p == "index.html" else f"/{p}" for p in paths]
    source = (PWA_DIR / "sw.js").read_text(encoding="utf-8")
    return (source.replace("'__SHELL_VERSION__'", json.dumps(digest.hexdigest()[:16]))
            .replace("['__SHELL_FILES__']", json.dumps(urls)))


def _secure(response: Response) -> Response:
    # The service worker and the shell must be revalidated, or an update never reaches phones.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _send(path: str):
    # Read whole, not streamed from an open file: the shell is small, and a phone that
    # drops the connection mid-download must not leave a file handle behind.
    full = safe_join(str(PWA_DIR), path)
    if full is None or not os.path.isfile(full):
        abort(404)
    with open(full, "rb") as file:
        body = file.read()
    mimetype = mimetypes.guess_type(full)[0] or "application/octet-stream"
    response = Response(body, mimetype=mimetype)
    response.add_etag()
    return _secure(response.make_conditional(request))


@bp.get("/")
def index():
    return _send("index.html")


@bp.get("/sw.js")
def service_worker():
    return _secure(Response(service_worker_source(), mimetype="text/javascript"))


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
