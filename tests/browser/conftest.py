"""Real Chromium (Debian's package) driven by Playwright against a live Tsunagu server.

Never ``playwright install``: the launch options point at /usr/bin/chromium.
"""

import shutil
import socket
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from server import create_app
from server.accounts.auth import hash_password
from server.accounts.models import Membership, User
from server.cooperation.reference import ensure_checkpoints
from server.directory.models import Site, SiteTag, Ward
from server.directory.reference import ensure_wards
from server.extensions import db

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    # Without this Chromium still looks up Google hosts in the background.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 360, "height": 740}
PASSWORD = "correct horse battery"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, require):
    if not Path(CHROMIUM).exists():
        require("Chromium is not installed (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": PHONE, "locale": "ja-JP"}


class LiveServer:
    """The app on a thread. ``stop`` also closes kept-alive sockets, so it really stops."""

    def __init__(self, app):
        self.app = app
        self.port = 0
        self._server = None

    def start(self):
        server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        server.open_sockets = set()
        get_request, shutdown_request = server.get_request, server.shutdown_request

        def tracked_get():
            sock, address = get_request()
            server.open_sockets.add(sock)
            return sock, address

        def tracked_shutdown(sock):
            server.open_sockets.discard(sock)
            shutdown_request(sock)

        server.get_request, server.shutdown_request = tracked_get, tracked_shutdown
        self._server = server
        self.port = server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        for sock in list(self._server.open_sockets):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._thread.join()
        self._server = None


@pytest.fixture
def live(tmp_path):
    """A server on a fresh SQLite file with one ward, a hub worker and a volunteer."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'live.sqlite3'}",
                      "SECRET_KEY": "browser-test", "INSTANCE_PATH": str(tmp_path),
                      "RATELIMIT_ENABLED": False})
    with app.app_context():
        db.create_all()
        ensure_wards()
        ensure_checkpoints()
        ward = db.session.query(Ward).filter_by(code="14101").one()
        ward.office_name, ward.office_phone = "こども家庭支援課", "045-000-0000"
        salon = Site(source_key="t:1", ward_id=ward.id, kind="salon", source_type="子育てサロン",
                     schedule_kind="periodic", municipality_code="14101", number="1",
                     prefecture="神奈川県", municipality="横浜市鶴見区", name="ひだまりサロン",
                     open_weekdays="1")
        nursery = Site(source_key="t:2", ward_id=ward.id, kind="nursery_hiroba",
                       source_type="保育所 子育てひろば", schedule_kind="periodic",
                       municipality_code="14101", number="2", prefecture="神奈川県",
                       municipality="横浜市鶴見区", name="ひまわり保育園", open_weekdays="1",
                       address="横浜市鶴見区ひまわり町1-2-3", latitude=35.51, longitude=139.68,
                       tags=[SiteTag(tag="outdoor_play")])
        db.session.add_all([salon, nursery])
        db.session.flush()
        hashed = hash_password(PASSWORD)
        db.session.add_all([
            User(login="hub", display_name="はやし", role="hub_staff", ward_id=ward.id,
                 password_hash=hashed),
            User(login="yamada", display_name="やまだ", role="volunteer", ward_id=ward.id,
                 password_hash=hashed, memberships=[Membership(site_id=salon.id)]),
            User(login="sato", display_name="さとう", role="volunteer", ward_id=ward.id,
                 password_hash=hashed, memberships=[Membership(site_id=salon.id)]),
            User(login="tanaka", display_name="たなか", role="site_staff", ward_id=ward.id,
                 password_hash=hashed, memberships=[Membership(site_id=nursery.id)]),
        ])
        db.session.commit()
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def sign_in(page, url, login, password=PASSWORD):
    """Open the app and sign in with the form, as a person would."""
    page.goto(url + "/")
    page.evaluate("window.app.ready")
    page.get_by_label("ログイン名").fill(login)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="サインインする").click()


@pytest.fixture
def signed_in():
    return sign_in


SW_ACTIVATED_JS = """() => navigator.serviceWorker.ready.then((reg) => new Promise((resolve) => {
  const sw = reg.active;
  if (sw.state === 'activated') return resolve(sw.state);
  sw.addEventListener('statechange', () => sw.state === 'activated' && resolve(sw.state));
}))"""


@pytest.fixture
def worker_activated():
    """Waits until the page's service worker is active; returns its state."""
    return lambda page: page.evaluate(SW_ACTIVATED_JS)


@pytest.fixture
def axe_violations():
    """Run axe-core on the page; returns the serious and critical violations."""

    def run(page) -> list[dict]:
        # Evaluated through the DevTools protocol, which the page's strict CSP (rightly)
        # does not cover; a <script> tag would be blocked by it.
        page.evaluate(AXE.read_text() + "\n;undefined")
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        return [{"id": v["id"], "impact": v["impact"],
                 "nodes": [n["target"] for n in v["nodes"]]}
                for v in result["violations"] if v["impact"] in ("serious", "critical")]

    return run
