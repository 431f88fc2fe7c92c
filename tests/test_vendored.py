"""The libraries copied into pwa/vendor are exactly the npm packages package.json pins.

The phone app loads nothing from a CDN, so a library it uses is a file in pwa/vendor; this
keeps that copy honest: byte for byte the file `npm ci` installs, its version the pinned
one, with its licence beside it.
"""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "pwa" / "vendor"
NODE_MODULES = ROOT / "node_modules"

# file in pwa/vendor -> (npm package, file in the package)
VENDORED = {
    "qrcode-generator/qrcode.mjs": ("qrcode-generator", "dist/qrcode.mjs"),
    "jsqr/jsQR.js": ("jsqr", "dist/jsQR.js"),
    "chartjs/chart.umd.js": ("chart.js", "dist/chart.umd.js"),
    "chartjs-chart-matrix/chartjs-chart-matrix.min.js": (
        "chartjs-chart-matrix", "dist/chartjs-chart-matrix.min.js"),
}


def test_every_file_in_vendor_is_a_listed_library_its_licence_or_the_readme():
    present = {p.relative_to(VENDOR).as_posix() for p in VENDOR.rglob("*") if p.is_file()}
    licences = {f"{Path(name).parent.as_posix()}/LICENSE" for name in VENDORED}
    assert present == set(VENDORED) | licences | {"README.md"}


@pytest.mark.parametrize("name", sorted(VENDORED))
def test_a_vendored_file_is_the_pinned_packages_file(name, require):
    package, inside = VENDORED[name]
    pinned = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["dependencies"]
    installed = NODE_MODULES / package
    if not (installed / inside).is_file():
        require(f"{package} is not installed in node_modules (run npm ci)")
    version = json.loads((installed / "package.json").read_text(encoding="utf-8"))["version"]
    assert version == pinned[package]
    assert (VENDOR / name).read_bytes() == (installed / inside).read_bytes()
    assert f"| {pinned[package]} |" in (VENDOR / "README.md").read_text(encoding="utf-8")
