"""The public vacancy page and the HQ dashboard in a real browser (Debian's chromium)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import ADMIN, HQ
from tests.e2e.conftest import axe_violations, screenshot
from tests.server import Server, start, stop

LEVEL_WORDS = {
    "available": "空いています",
    "crowded": "やや混雑",
    "nearly_full": "ほぼ満員",
    "full": "満員",
    "closed": "閉鎖",
}


def walk_ins(server: Server, shelter_id: str, people: int) -> dict[str, Any]:
    body = {
        "event_id": str(uuid.uuid4()),
        "shelter_id": shelter_id,
        "kind": "check_in",
        "pass_code": None,
        "headcount": people,
    }
    response = httpx.post(f"{server.base}/api/v1/events", json=body, headers=HQ)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def level_text(page: Any, shelter_id: str) -> str:
    text: str = page.locator(f'.card[data-id="{shelter_id}"] .level').inner_text()
    return text


def test_public_page_shows_each_shelters_level_in_words(page: Any, live_server: Server) -> None:
    """S05 (capacity 80) with 45 inside is やや混雑; a closed shelter says 閉鎖."""
    walk_ins(live_server, "S05", 45)
    httpx.patch(f"{live_server.base}/api/v1/shelters/S04", json={"open": False}, headers=HQ)
    page.goto(live_server.base + "/")
    page.wait_for_selector('.card[data-id="S05"]')
    assert LEVEL_WORDS["crowded"] in level_text(page, "S05")
    assert LEVEL_WORDS["closed"] in level_text(page, "S04")
    assert LEVEL_WORDS["available"] in level_text(page, "S01")
    assert "あと 35 人" in page.locator('.card[data-id="S05"]').inner_text()
    page.wait_for_selector('#map-note[data-fallback="none"]')  # tests run with no tiles
    assert page.locator("#map svg .marker").count() == 5
    screenshot(page, "public-desktop")


def test_public_page_updates_live_and_announces_a_level_change(
    page: Any, live_server: Server
) -> None:
    """A check-in changes the page without a reload; the live region says the new level."""
    page.goto(live_server.base + "/")
    page.wait_for_selector('.status[data-state="live"]')
    walk_ins(live_server, "S05", 70)  # 70 of 80: ほぼ満員 (nearly full)
    page.wait_for_function(
        "document.querySelector('.card[data-id=\"S05\"] .level').textContent.includes('ほぼ満員')"
    )
    page.wait_for_function("document.getElementById('announcer').textContent.length > 0")
    assert "ほぼ満員" in page.locator("#announcer").inner_text()


def test_english_switch_shows_english_words(page: Any, live_server: Server) -> None:
    """One button switches every string, and the page's lang attribute, to English."""
    page.goto(live_server.base + "/")
    page.wait_for_selector(".card")
    page.click("#language")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Available" in level_text(page, "S01")
    assert "places left" in page.locator('.card[data-id="S01"]').inner_text()


def test_location_sorts_shelters_by_distance(browser: Any, live_server: Server) -> None:
    """With location allowed, distances appear and the nearest shelter comes first."""
    context = browser.new_context(
        locale="ja-JP",
        geolocation={"latitude": 32.337, "longitude": 130.575},
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.goto(live_server.base + "/")
    page.wait_for_selector(".card")
    page.wait_for_selector('#map-note[data-fallback="none"]')
    page.click("#locate")
    page.wait_for_selector(".card .distance")
    first = page.locator(".card").first
    assert first.get_attribute("data-id") == "S05"  # 吉尾, right where we stand
    assert "m" in first.locator(".distance").inner_text()
    assert page.locator("#map svg .you").count() == 1
    context.close()


def test_pages_load_nothing_from_outside_and_break_no_csp_rule(
    page: Any, live_server: Server
) -> None:
    """Every request stays on this server, and the strict CSP blocks nothing the page needs."""
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on(
        "console",
        lambda message: (
            problems.append(message.text) if message.type in ("error", "warning") else None
        ),
    )
    for path in ("/", "/dashboard"):
        page.goto(live_server.base + path)
        page.wait_for_selector('.status[data-state="live"]')
    assert requests and all(
        url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:")) for url in requests
    )
    assert problems == []


def test_dashboard_shows_a_check_in_within_a_second_and_the_needs(
    page: Any, live_server: Server
) -> None:
    """HQ signs in, a household with needs checks in, and totals, row and needs follow."""
    page.goto(live_server.base + "/dashboard")
    page.wait_for_selector('.status[data-state="live"]')
    page.fill("#token", ADMIN)
    page.click("#signin-button")
    page.wait_for_selector("table.needs")
    household = httpx.post(
        f"{live_server.base}/api/v1/households",
        json={
            "members": [
                {"name": "車 椅子", "needs": ["wheelchair", "elderly"]},
                {"name": "乳 児", "needs": ["infant"]},
            ],
            "pets": 1,
        },
        headers=HQ,
    ).json()
    body = {
        "event_id": str(uuid.uuid4()),
        "shelter_id": "S01",
        "kind": "check_in",
        "pass_code": household["pass_code"],
    }
    httpx.post(f"{live_server.base}/api/v1/events", json=body, headers=HQ)
    page.wait_for_function(
        "document.getElementById('total-occupancy').textContent === '2'", timeout=1000
    )
    assert "2 / 300" in page.locator('tr[data-id="S01"]').inner_text()
    page.wait_for_selector('table.needs td[data-need-total="wheelchair"]:text("1")', timeout=5000)
    assert page.locator('table.needs td[data-need-total="infant"]').inner_text() == "1"
    assert page.locator("#flows svg rect.arrivals").count() == 24
    page.wait_for_timeout(2500)  # let the hourly chart pick up the arrival
    screenshot(page, "dashboard")


def test_dashboard_shows_stale_then_live_again_when_the_server_restarts(
    page: Any, tmp_path: Path
) -> None:
    """Server gone: the state turns stale (with the time); back, it reconnects and resyncs."""
    database = tmp_path / "restart.db"
    server = start(database, env={"SHELTER_ADMIN_TOKEN": ADMIN})
    page.goto(server.base + "/dashboard")
    page.wait_for_selector('.status[data-state="live"]')
    stop(server)
    page.wait_for_selector('.status[data-state="stale"]', timeout=10000)
    assert "更新停止" in page.locator("#status-text").inner_text()
    server = start(database, env={"SHELTER_ADMIN_TOKEN": ADMIN}, port=server.port)
    try:
        walk_ins(server, "S02", 3)
        page.wait_for_selector('.status[data-state="live"]', timeout=15000)
        page.wait_for_function(
            "document.querySelector('tr[data-id=\"S02\"]').textContent.includes('3 / 200')"
        )
    finally:
        stop(server)


def test_axe_finds_no_serious_violations_on_either_page_in_either_language(
    axe_page: Any, live_server: Server
) -> None:
    """WCAG 2.2 AA by axe-core, at phone size, in Japanese and in English."""
    walk_ins(live_server, "S05", 75)
    for path in ("/", "/dashboard"):
        axe_page.goto(live_server.base + path)
        axe_page.wait_for_selector('.status[data-state="live"]')
        assert axe_violations(axe_page) == [], path
        axe_page.click("#language")
        assert axe_violations(axe_page) == [], path + " (en)"
        axe_page.click("#language")
    axe_page.goto(live_server.base + "/")
    axe_page.wait_for_selector(".card")
    screenshot(axe_page, "public-phone")


def test_hq_makes_a_sheet_of_pre_printed_passes_that_scan(
    browser: Any, live_server: Server, tmp_path: Path
) -> None:
    """HQ asks for 4 passes; the PDF's pages, rendered, hold 4 QR codes that check people in."""
    import pypdfium2
    import zxingcpp

    context = browser.new_context(locale="ja-JP", accept_downloads=True)
    page = context.new_page()
    page.goto(live_server.base + "/dashboard")
    page.wait_for_selector('.status[data-state="live"]')
    page.fill("#token", ADMIN)
    page.click("#signin-button")
    page.wait_for_selector("#sheet:not([hidden])")
    page.fill("#sheet-count", "4")
    page.click("#sheet-make")
    page.wait_for_selector("#sheet-link:not([hidden])")
    assert "4枚" in page.locator("#sheet-status").inner_text()
    with page.expect_download() as download:
        page.click("#sheet-link")
    path = tmp_path / "passes.pdf"
    download.value.save_as(path)
    context.close()
    pdf = pypdfium2.PdfDocument(str(path))
    try:
        codes = [
            result.text
            for index in range(len(pdf))
            for result in zxingcpp.read_barcodes(pdf[index].render(scale=2).to_pil())
        ]
    finally:
        pdf.close()
    assert len(set(codes)) == 4
    body = {"event_id": str(uuid.uuid4()), "shelter_id": "S02", "kind": "check_in"}
    response = httpx.post(
        f"{live_server.base}/api/v1/events", json={**body, "pass_code": codes[0]}, headers=HQ
    )
    assert response.status_code == 201 and response.json()["people"] == 1


def test_hq_sees_who_read_a_roster_in_the_audit_log(page: Any, live_server: Server) -> None:
    """Staff read their roster; HQ's dashboard lists that read with the token's label."""
    made = httpx.post(
        f"{live_server.base}/api/v1/tokens",
        json={"role": "staff", "shelter_id": "S03", "label": "田浦 受付係"},
        headers=HQ,
    ).json()
    staff = {"Authorization": f"Bearer {made['token']}"}
    roster = httpx.get(f"{live_server.base}/api/v1/shelters/S03/roster", headers=staff)
    assert roster.status_code == 200
    page.goto(live_server.base + "/dashboard")
    page.wait_for_selector('.status[data-state="live"]')
    page.fill("#token", ADMIN)
    page.click("#signin-button")
    page.wait_for_selector('table.audit tr[data-action="roster"]')
    row = page.locator('table.audit tr[data-action="roster"]').first.inner_text()
    assert "田浦 受付係" in row and "名簿を閲覧" in row and "S03" in row
    screenshot(page, "dashboard-signed-in")


def test_axe_finds_no_serious_violations_on_the_signed_in_dashboard(
    axe_page: Any, live_server: Server
) -> None:
    """HQ's own panels (enrolment cards, pass sheets, audit log) pass WCAG 2.2 AA too."""
    httpx.post(f"{live_server.base}/api/v1/passes/sheet", json={"count": 1}, headers=HQ)
    axe_page.goto(live_server.base + "/dashboard")
    axe_page.wait_for_selector('.status[data-state="live"]')
    axe_page.fill("#token", ADMIN)
    axe_page.click("#signin-button")
    axe_page.wait_for_selector('table.audit tr[data-action="sheet"]')
    axe_page.click("#card-make")
    axe_page.wait_for_selector("#card:not([hidden])")
    assert axe_violations(axe_page) == []
    axe_page.click("#language")
    assert axe_violations(axe_page) == [], "en"
