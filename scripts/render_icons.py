#!/usr/bin/env python3
"""Render the PWA's PNG icons from pwa/icons/icon.svg with headless Chromium.

Usage:
    python scripts/render_icons.py [--chromium PATH]

Needs Python Playwright (``pip install playwright``). Chromium is taken from
--chromium, else $CHROMIUM, else /usr/bin/chromium if present, else
Playwright's own bundled browser.

Outputs (in pwa/icons/):
    icon-192.png           192x192, the SVG as is (rounded corners, transparent)
    icon-512.png           512x512, the SVG as is
    icon-maskable-512.png  512x512, full-bleed background, artwork scaled to
                           80% so it sits inside the maskable safe zone
    apple-touch-icon.png   180x180, opaque full-bleed square (iOS rounds it)

The PNGs are Chromium's own screenshots; they are not part of the app shell the
first load needs, so their size does not count against it.
"""
from __future__ import annotations

import argparse
import base64
import os
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "pwa" / "icons"
SVG = ICONS / "icon.svg"
FALLBACK_BG = "#2f6f4f"

# name, size, mode ("as-is" keeps transparency; "bleed" paints a full square
# background), artwork scale within the square
TARGETS = [
    ("icon-192.png", 192, "as-is", 1.0),
    ("icon-512.png", 512, "as-is", 1.0),
    ("icon-maskable-512.png", 512, "bleed", 0.8),
    ("apple-touch-icon.png", 180, "bleed", 1.0),
]


def background_colour(svg: str) -> str:
    """Fill of the SVG's first <rect> (its background tile), else the fallback."""
    m = re.search(r"<rect\b[^>]*\bfill\s*=\s*\"(#[0-9a-fA-F]{3,8})\"", svg)
    return m.group(1) if m else FALLBACK_BG


def page_html(svg: str, size: int, mode: str, scale: float, bg: str) -> str:
    src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    art = size * scale
    off = (size - art) / 2
    fill = bg if mode == "bleed" else "transparent"
    return (
        "<!doctype html><html><head><style>"
        "html,body{margin:0;padding:0;background:transparent;overflow:hidden}"
        f"#c{{position:relative;width:{size}px;height:{size}px;background:{fill}}}"
        f"#c img{{position:absolute;left:{off}px;top:{off}px;"
        f"width:{art}px;height:{art}px;display:block}}"
        "</style></head><body>"
        f'<div id="c"><img src="{src}" alt=""></div>'
        "</body></html>"
    )


def find_chromium(explicit: str | None) -> str | None:
    for candidate in (explicit, os.environ.get("CHROMIUM"), shutil.which("chromium")):
        if candidate:
            return candidate
    return None


def main(argv: list[str] | None = None) -> int:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", help="path of a Chromium to use")
    args = parser.parse_args(argv)
    svg = SVG.read_text(encoding="utf-8")
    bg = background_colour(svg)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(args.chromium))
        for name, size, mode, scale in TARGETS:
            page = browser.new_page(viewport={"width": size, "height": size})
            page.set_content(page_html(svg, size, mode, scale, bg))
            page.locator("#c").screenshot(path=str(ICONS / name), omit_background=True)
            page.close()
            print(f"{name}: {(ICONS / name).stat().st_size} bytes")
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
