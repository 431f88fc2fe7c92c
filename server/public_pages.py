"""What the public pages share (a card's page for a family, the ward's area calendar):
the language asked for, a stylesheet served under a hash of its content, and a map link
from a site's public facts. Neither page has an account or runs any script."""

import hashlib
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

from flask import Response, request

from .directory.models import Site


def secure(response: Response, csp: str) -> Response:
    """The headers every public page sends: its strict CSP, no sniffing, no referrer, and
    no caching (the stylesheet's URL carries its hash, so it alone may set its own)."""
    response.headers["Content-Security-Policy"] = csp
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def language() -> str:
    """Japanese unless the page was asked for in English."""
    return "en" if request.args.get("lang") == "en" else "ja"


@cache
def stylesheet(path: Path) -> tuple[bytes, str]:
    """The stylesheet and a short hash of it: its URL carries the hash, so only it may be
    cached for long."""
    css = path.read_bytes()
    return css, hashlib.sha256(css).hexdigest()[:12]


def map_url(site: Site) -> str:
    """A map search for the site: its coordinates where known, else its address."""
    if site.latitude is not None and site.longitude is not None:
        query = f"{site.latitude},{site.longitude}"
    elif site.address:
        query = site.address
    else:
        return ""
    return "https://www.google.com/maps/search/?" + urlencode({"api": "1", "query": query})
