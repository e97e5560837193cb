"""The entrance kiosk in a real browser (Debian's chromium): enrolment, the handheld
scanner, the camera, walk-ins, and the offline outbox."""

from __future__ import annotations

import base64
import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import text

from shelter.db import Database
from tests.conftest import ADMIN, HQ
from tests.e2e.conftest import SHOTS, axe_violations, launch, screenshot
from tests.server import Server, serve


def register(server: Server, size: int) -> str:
    members = [{"name": f"受付 花子{i}"} for i in range(size)]
    response = httpx.post(f"{server.base}/api/v1/households", json={"members": members})
    assert response.status_code == 201, response.text
    code: str = response.json()["pass_code"]
    return code


def enrolment(server: Server, shelter_id: str = "S01") -> dict[str, Any]:
    response = httpx.post(
        f"{server.base}/api/v1/tokens/enrolment",
        json={"role": "kiosk", "shelter_id": shelter_id, "label": "front door"},
        headers=HQ,
    )
    assert response.status_code == 201, response.text
    card: dict[str, Any] = response.json()
    return card


def occupancy(server: Server, shelter_id: str) -> int:
    value: int = httpx.get(f"{server.base}/api/v1/shelters/{shelter_id}").json()["occupancy"]
    return value


def settles(server: Server, shelter_id: str, expected: int, timeout: float = 20.0) -> None:
    """The server's count reaches ``expected``. A scan whose answer takes longer than the
    kiosk waits (1.5 s, a loaded machine) is confirmed from the outbox and uploaded by the
    sync loop a moment later: the count must arrive, just not necessarily before the screen
    says so."""
    deadline = time.monotonic() + timeout
    while (seen := occupancy(server, shelter_id)) != expected:
        if time.monotonic() > deadline:
            raise AssertionError(f"{shelter_id} holds {seen}, not {expected}, after {timeout} s")
        time.sleep(0.1)


def enrol(page: Any, server: Server, shelter_id: str = "S01") -> None:
    page.goto(enrolment(server, shelter_id)["enrol_url"])
    page.wait_for_selector("#desk:not([hidden])")
    page.wait_for_selector('.status[data-state="live"]')


def wedge_scan(page: Any, code: str) -> None:
    """What a handheld scanner does: type the code fast, then Enter, into no field at all."""
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def screenshot_path(name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS / f"{name}.png"


def until(page: Any, expression: str, timeout: float = 10.0) -> None:
    """Poll a JS expression until it is true. (Playwright's wait_for_function compiles its
    predicate with eval, which the kiosk's CSP rightly forbids.)"""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        time.sleep(0.05)


def result_title(page: Any) -> str:
    text: str = page.locator("#result-title").inner_text()
    return text


@pytest.fixture
def kiosk_server(database_url: str) -> Iterator[tuple[Server, str]]:
    """A real server on this run's database (SQLite, or PostgreSQL in the PostgreSQL run)."""
    with serve(database_url, env={"SHELTER_ADMIN_TOKEN": ADMIN}) as server:
        yield server, database_url


@pytest.fixture
def kiosk(browser: Any, kiosk_server: tuple[Server, str]) -> Iterator[Any]:
    """A tablet-sized page, its own storage, the service's CSP in force."""
    context = browser.new_context(locale="ja-JP", viewport={"width": 1024, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def test_enrolment_card_enrols_the_device_and_wipes_the_token_from_the_address(
    kiosk: Any, kiosk_server: tuple[Server, str]
) -> None:
    """Opening the card's URL enrols the kiosk for S01; the token leaves the address bar."""
    server, _ = kiosk_server
    enrol(kiosk, server)
    assert "enrol" not in kiosk.url
    assert "佐敷地区避難所" in kiosk.locator("#shelter-name").inner_text()
    assert "0 / 300" in kiosk.locator("#inside").inner_text()
    kiosk.reload()  # the device remembers its enrolment
    kiosk.wait_for_selector("#desk:not([hidden])")
    screenshot(kiosk, "kiosk-ready")


def test_a_pasted_token_that_does_not_work_is_refused_with_words(
    kiosk: Any, kiosk_server: tuple[Server, str]
) -> None:
    """A wrong token keeps the enrolment screen and says what to do."""
    server, _ = kiosk_server
    kiosk.goto(server.base + "/kiosk")
    kiosk.fill("#enrol-token", "sh_not-a-real-token")
    kiosk.click("#enrol-button")
    until(kiosk, "document.getElementById('enrol-error').textContent.includes('本部')")
    assert kiosk.locator("#desk").is_hidden()


def test_handheld_scanner_checks_a_household_in_and_out(
    kiosk: Any, kiosk_server: tuple[Server, str]
) -> None:
    """A wedge scan with no field focused: green, the household size, the count follows."""
    server, _ = kiosk_server
    code = register(server, 3)
    enrol(kiosk, server)
    wedge_scan(kiosk, code)
    kiosk.wait_for_selector('#result[data-tone="ok"]')
    assert "入所 3人" in result_title(kiosk)
    assert "世帯 3人" in kiosk.locator("#result-detail").inner_text()
    assert "入所 3人" in kiosk.locator("#announcer").text_content()  # read out, too
    until(kiosk, "document.getElementById('inside').textContent.startsWith('3 /')")
    settles(server, "S01", 3)
    screenshot(kiosk, "kiosk-checked-in")

    wedge_scan(kiosk, code)  # scanned again while inside: nothing changes, amber
    kiosk.wait_for_selector('#result[data-tone="warn"]')
    assert "すでに入所" in result_title(kiosk)

    kiosk.click("#mode-out")
    assert kiosk.locator("#mode-out").get_attribute("aria-pressed") == "true"
    kiosk.locator("#mode-out").blur()
    wedge_scan(kiosk, code)
    until(kiosk, "document.getElementById('result-title').textContent.includes('退所')")
    settles(server, "S01", 0)


def test_scanner_under_a_japanese_ime_still_reads_the_code(
    kiosk: Any, kiosk_server: tuple[Server, str]
) -> None:
    """Keys that an IME turned into kana are read by position, so the pass still works."""
    server, _ = kiosk_server
    code = register(server, 2)
    enrol(kiosk, server)
    kiosk.evaluate(
        """(code) => {
            const kana = {A: 'あ', E: 'え', K: 'か'};
            for (const ch of code) {
                const physical = /[0-9]/.test(ch) ? 'Digit' + ch : 'Key' + ch;
                document.body.dispatchEvent(new KeyboardEvent('keydown', {
                    key: kana[ch] || 'Process', code: physical, bubbles: true}));
            }
            document.body.dispatchEvent(new KeyboardEvent('keydown', {
                key: 'Enter', code: 'Enter', bubbles: true}));
        }""",
        code,
    )
    kiosk.wait_for_selector('#result[data-tone="ok"]')
    settles(server, "S01", 2)


def test_unknown_pass_is_red_and_counts_nobody(
    kiosk: Any, kiosk_server: tuple[Server, str]
) -> None:
    """A code nobody holds: red, words that say what to do, the count untouched."""
    server, _ = kiosk_server
    enrol(kiosk, server)
    kiosk.fill("#manual-code", "0000 0000 0000 0000 0000")
    kiosk.click("#manual-button")
    kiosk.wait_for_selector('#result[data-tone="error"]')
    assert "登録されていません" in result_title(kiosk)
    settles(server, "S01", 0)
    assert kiosk.locator("#pending").inner_text() == "未送信 0 件"


def test_walk_in_checks_in_a_group_and_shows_a_pass_that_decodes(
    kiosk: Any, kiosk_server: tuple[Server, str]
) -> None:
    """No pass: 3 people in, and the new pass is on screen, ready to print, and scans."""
    server, _ = kiosk_server
    enrol(kiosk, server)
    kiosk.click("#walkin-open")
    kiosk.click("#walkin-more")
    kiosk.click("#walkin-more")
    assert kiosk.locator("#walkin-count").inner_text() == "3人"
    kiosk.click("#walkin-go")
    kiosk.wait_for_selector("dialog#pass[open]")
    until(kiosk, "document.getElementById('pass-image').naturalWidth > 0")
    shown = kiosk.locator("#pass-code").inner_text().replace(" ", "")
    source = kiosk.locator("#pass-image").get_attribute("src")
    png = httpx.get(server.base + source).content
    assert [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))] == [shown]
    settles(server, "S01", 3)
    screenshot(kiosk, "kiosk-walk-in-pass")
    kiosk.click("#pass-close")
    wedge_scan(kiosk, shown)  # the new pass works at once
    kiosk.wait_for_selector('#result[data-tone="warn"]')


def _events_in(database_url: str) -> int:
    database = Database(database_url)
    try:
        with database.engine.connect() as connection:
            count: int = connection.execute(text("SELECT count(*) FROM events")).scalar_one()
    finally:
        database.dispose()
    return count


def test_offline_scans_survive_a_reload_and_arrive_exactly_once(
    kiosk: Any, kiosk_server: tuple[Server, str]
) -> None:
    """Offline: 20 scans, a reload, then online with the first upload's answer lost.

    The kiosk retries that upload; the server answers "duplicate" for what it already has,
    so there are exactly 20 events and the right count."""
    server, database = kiosk_server
    sizes = [1 + i % 4 for i in range(20)]
    codes = [register(server, size) for size in sizes]
    enrol(kiosk, server)
    # The first visit installs the service worker; it takes charge of the page at once.
    until(kiosk, "navigator.serviceWorker.controller !== null")
    before = _events_in(database)

    kiosk.context.set_offline(True)
    until(kiosk, "document.getElementById('status-text').textContent.includes('オフライン')")
    for code in codes:
        wedge_scan(kiosk, code)
    until(kiosk, "document.getElementById('pending').dataset.count === '20'")
    assert "記録しました" in result_title(kiosk)
    screenshot(kiosk, "kiosk-offline-queue")

    kiosk.reload()  # offline: the service worker serves the page, IndexedDB kept the queue
    kiosk.wait_for_selector("#desk:not([hidden])")
    until(kiosk, "document.getElementById('pending').dataset.count === '20'")
    assert _events_in(database) == before

    # The first upload reaches the server, but its answer is lost on the way back.
    lost: list[str] = []

    def lose_answer(route: Any) -> None:
        if not lost:
            route.fetch()
            lost.append(route.request.url)
            route.abort("connectionreset")
        else:
            route.continue_()

    kiosk.context.route("**/api/v1/events/batch", lose_answer)
    kiosk.context.set_offline(False)
    kiosk.evaluate("window.dispatchEvent(new Event('online'))")
    until(kiosk, "document.getElementById('pending').dataset.count === '0'", timeout=30)
    assert lost, "the first upload should have been made and its answer dropped"
    assert _events_in(database) == before + 20
    settles(server, "S01", sum(sizes))
    check = httpx.get(f"{server.base}/api/v1/occupancy").json()
    assert check["totals"]["occupancy"] == sum(sizes)


def test_kiosk_loads_nothing_from_outside_and_breaks_no_csp_rule(
    kiosk: Any, kiosk_server: tuple[Server, str]
) -> None:
    """Every request stays on this server, including the QR decoder and its WebAssembly."""
    server, _ = kiosk_server
    requests: list[str] = []
    problems: list[str] = []
    kiosk.on("request", lambda request: requests.append(request.url))
    kiosk.on(
        "console",
        lambda message: (
            problems.append(message.text) if message.type in ("error", "warning") else None
        ),
    )
    enrol(kiosk, server)
    ready = kiosk.evaluate("typeof window.BarcodeDetectionAPI")
    assert ready == "object"
    assert all(url.startswith(("http://127.0.0.1", "ws://127.0.0.1")) for url in requests)
    assert problems == []


def test_axe_finds_no_serious_violations_in_any_language(
    axe_page: Any, kiosk_server: tuple[Server, str]
) -> None:
    """WCAG 2.2 AA by axe-core: enrolment, the desk in three languages, the walk-in dialog."""
    server, _ = kiosk_server
    axe_page.goto(server.base + "/kiosk")
    axe_page.wait_for_selector("#enrol:not([hidden])")
    assert axe_violations(axe_page) == [], "enrolment"
    enrol(axe_page, server)
    for language in ("ja", "easy", "en"):
        axe_page.click(f'#languages button[data-lang="{language}"]')
        assert axe_violations(axe_page) == [], language
    axe_page.click('#languages button[data-lang="easy"]')
    axe_page.click("#walkin-open")
    assert axe_violations(axe_page) == [], "walk-in dialog"
    screenshot(axe_page, "kiosk-phone-walk-in")


# ---- the camera: Chromium's fake camera plays a video of a real pass ----


def pass_video(png: bytes, path: Path, frames: int = 10) -> Path:
    """A YUV4MPEG2 video (640x480, 4:2:0) of the pass QR on white, as Chromium reads it."""
    qr = Image.open(io.BytesIO(png)).convert("L")
    qr.thumbnail((400, 400))
    frame = Image.new("L", (640, 480), 255)
    frame.paste(qr, ((640 - qr.width) // 2, (480 - qr.height) // 2))
    luma = frame.tobytes()
    chroma = bytes([128]) * (320 * 240)
    with path.open("wb") as out:
        out.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for _ in range(frames):
            out.write(b"FRAME\n" + luma + chroma + chroma)
    return path


def test_camera_scan_with_the_polyfill_checks_a_household_in(
    playwright: Any, kiosk_server: tuple[Server, str], tmp_path: Path
) -> None:
    """No native BarcodeDetector on Linux: the zxing-wasm polyfill reads the fake camera."""
    server, _ = kiosk_server
    code = register(server, 4)
    png = httpx.get(f"{server.base}/api/v1/passes/{code}.png").content
    video = pass_video(png, tmp_path / "pass.y4m")
    camera_args = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    browser = launch(playwright, *camera_args)
    try:
        context = browser.new_context(locale="ja-JP", permissions=["camera"])
        page = context.new_page()
        enrol(page, server)
        assert page.evaluate("'BarcodeDetector' in window") is False
        page.click("#camera-toggle")
        page.wait_for_selector('#result[data-tone="ok"]', timeout=15000)
        assert "入所 4人" in result_title(page)
        settles(server, "S01", 4)
        screenshot(page, "kiosk-camera")
    finally:
        browser.close()


def test_hq_prints_an_enrolment_card_whose_qr_enrols_a_kiosk(
    browser: Any, kiosk_server: tuple[Server, str]
) -> None:
    """HQ makes a card on the dashboard; its QR, decoded, opens a kiosk enrolled for S03."""
    server, _ = kiosk_server
    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
    hq = context.new_page()
    hq.goto(server.base + "/dashboard")
    hq.wait_for_selector('.status[data-state="live"]')
    hq.fill("#token", ADMIN)
    hq.click("#signin-button")
    hq.wait_for_selector("#cards:not([hidden])")
    hq.select_option("#card-shelter", "S03")
    hq.fill("#card-label", "田浦 正面入口")
    hq.click("#card-make")
    hq.wait_for_selector("#card:not([hidden])")
    assert "田浦地区避難所 · 田浦 正面入口" in hq.locator("#card-where").inner_text()
    hq.locator("#card").screenshot(path=str(screenshot_path("dashboard-enrolment-card")))
    data = hq.locator("#card-qr").get_attribute("src")
    png = base64.b64decode(data.removeprefix("data:image/png;base64,"))
    (url,) = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]

    tablet = context.new_page()
    tablet.goto(url)
    tablet.wait_for_selector("#desk:not([hidden])")
    until(tablet, "document.getElementById('shelter-name').textContent.includes('田浦')")
    assert "#enrol" not in tablet.url
    context.close()


def test_a_revoked_kiosk_keeps_its_scans_until_it_is_enrolled_again(
    kiosk: Any, kiosk_server: tuple[Server, str]
) -> None:
    """Revoked mid-shift: the scan is kept and staff are told; a new card sends it."""
    server, _ = kiosk_server
    code = register(server, 2)
    card = enrolment(server)
    kiosk.goto(card["enrol_url"])
    kiosk.wait_for_selector("#desk:not([hidden])")
    httpx.delete(f"{server.base}/api/v1/tokens/{card['id']}", headers=HQ)
    wedge_scan(kiosk, code)
    until(kiosk, "document.getElementById('pending').dataset.count === '1'")
    until(kiosk, "document.getElementById('result-title').textContent.includes('無効')")
    settles(server, "S01", 0)

    kiosk.once("dialog", lambda dialog: dialog.accept())
    kiosk.click("#unenrol")
    kiosk.wait_for_selector("#enrol:not([hidden])")
    kiosk.goto(enrolment(server)["enrol_url"])
    kiosk.wait_for_selector("#desk:not([hidden])")
    until(kiosk, "document.getElementById('pending').dataset.count === '0'")
    settles(server, "S01", 2)
