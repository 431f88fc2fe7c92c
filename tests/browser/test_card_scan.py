"""Scanning a card with the camera where the browser has no BarcodeDetector (Safari on
iPhone): the shipped QR reader (jsQR) reads the frames, with no signal.

Chromium gets a fake camera whose picture is the card's QR, drawn by this test into a
YUV4MPEG2 file; the detector is removed from the page before any script runs.
"""

from pathlib import Path

import pytest
import qrcode
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, sign_in
from tests.browser.test_card_issuing import shot, shots_folder
from tests.browser.test_cards import card_on_server, issue_and_send, wait_until_sent

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 640, 480


def write_y4m(path: Path, text: str, frames: int = 5) -> None:
    """A few identical grey frames (4:2:0, the chroma planes flat) showing `text` as a QR."""
    code = qrcode.QRCode(border=4, box_size=8)
    code.add_data(text)
    picture = code.make_image().get_image().convert("L")
    side = min(HEIGHT - 40, picture.width)
    frame = Image.new("L", (WIDTH, HEIGHT), 255)
    frame.paste(picture.resize((side, side), Image.NEAREST),
                ((WIDTH - side) // 2, (HEIGHT - side) // 2))
    chroma = bytes([128]) * (WIDTH // 2 * HEIGHT // 2)
    with path.open("wb") as file:
        file.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420\n".encode())
        for _ in range(frames):
            file.write(b"FRAME\n" + frame.tobytes() + chroma + chroma)


@pytest.fixture
def shots(tmp_path):
    return shots_folder(tmp_path)


@pytest.fixture
def camera_browser(playwright, browser_type_launch_args, tmp_path):
    """A Chromium of its own, whose camera shows the file at tmp_path / 'camera.y4m'."""
    camera = tmp_path / "camera.y4m"
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
        *CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={camera}"])
    yield browser, camera
    browser.close()


def test_staff_scan_a_card_offline_without_barcode_detector(live, page, signed_in,
                                                            camera_browser, worker_activated,
                                                            axe_violations, shots):
    code = issue_and_send(page, live, signed_in)  # yamada's card for the nursery
    url = page.evaluate("""async (code) => {
      const cards = await import('/js/cards.js');
      const db = await import('/js/db.js');
      const mine = await cards.myCards((await db.getSession()).user.id);
      return mine.find((card) => card.code === code).entry.url;
    }""", code)
    assert url.endswith(f"#{code}")
    browser, camera = camera_browser
    write_y4m(camera, url)

    context = browser.new_context(viewport=PHONE, locale="ja-JP", permissions=["camera"])
    context.add_init_script("delete window.BarcodeDetector;")
    staff = context.new_page()
    sign_in(staff, live.url, "tanaka")
    assert worker_activated(staff) == "activated"
    staff.get_by_role("button", name="紹介する", exact=True).click()
    expected = staff.locator(f"#arrival-list li[data-code='{code}']")
    expect(expected).to_be_visible(timeout=15_000)
    assert staff.evaluate("'BarcodeDetector' in window") is False

    context.set_offline(True)
    scan = staff.get_by_role("button", name="カメラで読み取る")
    expect(scan).to_be_visible()
    assert axe_violations(staff) == []
    scan.click()
    expect(staff.locator("#status")).to_have_text(f"来所を記録しました（{code}）。",
                                                  timeout=20_000)
    expect(expected).to_have_count(0)
    assert staff.evaluate("typeof window.jsQR") == "function"  # the shipped reader did it
    shot(staff, shots, "arrival-scanned-ja")

    context.set_offline(False)
    wait_until_sent(staff)
    assert card_on_server(live, code)["status"] == "arrived"
    context.close()
