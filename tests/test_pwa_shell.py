"""The app shell the service worker keeps, and the modules the first load asks for."""

import re

from server import pwa


def test_the_service_worker_keeps_every_module_and_stylesheet():
    source = pwa.service_worker_source()
    modules = {f"/{p.relative_to(pwa.PWA_DIR).as_posix()}" for p in pwa.PWA_DIR.rglob("*")
               if p.suffix in (".js", ".mjs") and p.name != "sw.js"}
    # The vendored libraries too: a card's QR is drawn and read with no signal.
    assert {"/vendor/qrcode-generator/qrcode.mjs", "/vendor/jsqr/jsQR.js"} <= modules
    assert all(f'"{m}"' in source for m in modules)
    assert '"/css/app.css"' in source and '"/"' in source
    assert "__SHELL" not in source  # both placeholders were filled in


def test_the_version_changes_with_any_shell_file(tmp_path, monkeypatch):
    for name in ("index.html", "sw.js", "js/app.js"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text((pwa.PWA_DIR / name).read_text(encoding="utf-8"))
    monkeypatch.setattr(pwa, "PWA_DIR", tmp_path)
    pwa.service_worker_source.cache_clear()
    before = re.search(r"const VERSION = \"(\w+)\"", pwa.service_worker_source()).group(1)
    (tmp_path / "js/app.js").write_text("// changed\n", encoding="utf-8")
    pwa.service_worker_source.cache_clear()
    after = re.search(r"const VERSION = \"(\w+)\"", pwa.service_worker_source()).group(1)
    pwa.service_worker_source.cache_clear()
    assert before != after


def test_index_preloads_every_module_the_app_imports():
    html = (pwa.PWA_DIR / "index.html").read_text(encoding="utf-8")
    preloaded = set(re.findall(r'<link rel="modulepreload" href="([^"]+)">', html))
    modules = {f"/{p.relative_to(pwa.PWA_DIR).as_posix()}"
               for p in (pwa.PWA_DIR / "js").rglob("*.js")}
    assert preloaded == modules - {"/js/app.js"}
