"""Kiosk health for HQ: each kiosk reports, HQ sees it, and revokes a lost one."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import ADMIN, HQ
from tests.e2e.conftest import axe_violations, screenshot
from tests.server import Server


def tokens(server: Server) -> dict[str, dict[str, Any]]:
    listed = httpx.get(f"{server.base}/api/v1/tokens", headers=HQ).json()
    return {made["id"]: made for made in listed}


def test_an_enrolled_kiosk_reports_itself_and_hq_revokes_it_from_the_dashboard(
    browser: Any, live_server: Server
) -> None:
    """The kiosk page reports at once after enrolment; HQ's panel shows it reporting with
    its outbox; HQ revokes it with one button (after a confirm), and the kiosk's token is
    refused from its next request."""
    card = httpx.post(
        f"{live_server.base}/api/v1/tokens/enrolment",
        json={"role": "kiosk", "shelter_id": "S04", "label": "田浦 正面"},
        headers=HQ,
    ).json()
    kiosk_context = browser.new_context(locale="ja-JP", viewport={"width": 1024, "height": 768})
    kiosk = kiosk_context.new_page()
    kiosk.goto(card["enrol_url"])
    kiosk.wait_for_selector("#desk:not([hidden])")
    deadline = time.monotonic() + 10
    while tokens(live_server)[card["id"]]["last_seen_at"] is None:
        assert time.monotonic() < deadline, "the kiosk never reported"
        time.sleep(0.2)
    assert tokens(live_server)[card["id"]]["outbox"] == 0

    hq_context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
    hq = hq_context.new_page()
    hq.goto(live_server.base + "/dashboard")
    hq.wait_for_selector('.status[data-state="live"]')
    hq.fill("#token", ADMIN)
    hq.click("#signin-button")
    row = hq.locator(f'tr[data-token="{card["id"]}"]')
    row.wait_for()
    assert row.get_attribute("data-state") == "online"
    assert "田浦 正面" in row.inner_text() and "連絡あり" in row.inner_text()
    screenshot(hq, "hq-devices")
    hq.on("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="田浦 正面 のトークンを無効にする").click()
    hq.wait_for_selector(f'tr[data-token="{card["id"]}"][data-state="revoked"]')
    assert tokens(live_server)[card["id"]]["revoked_at"] is not None
    me = httpx.get(
        f"{live_server.base}/api/v1/tokens/me",
        headers={"Authorization": f"Bearer {card['token']}"},
    )
    assert me.status_code == 401
    kiosk_context.close()
    hq_context.close()


def test_hq_saves_the_daily_report_and_the_supplies_as_csv_in_its_language(
    axe_page: Any, live_server: Server
) -> None:
    """The report and the supplies are usable by a person at HQ, not only by curl: two
    buttons save Excel-ready CSV (BOM, Japanese headers; English on an English page) with
    the day's real figures, and the token never rides a URL."""
    from tests.e2e.test_watch import walk_ins

    walk_ins(live_server, "S02", 4)
    urls: list[str] = []
    hq = axe_page
    hq.on("request", lambda request: urls.append(request.url))
    hq.set_viewport_size({"width": 1280, "height": 900})
    hq.goto(live_server.base + "/dashboard")
    hq.wait_for_selector('.status[data-state="live"]')
    assert hq.locator("#reports").is_hidden()  # hq only
    hq.fill("#token", ADMIN)
    hq.click("#signin-button")
    hq.locator("#reports").wait_for()
    day = hq.input_value("#report-day")
    with hq.expect_download() as saved:
        hq.click("#report-daily")
    report = Path(saved.value.path()).read_bytes()
    assert saved.value.suggested_filename == f"daily-report-{day}.csv"
    assert report.startswith(b"\xef\xbb\xbf")
    lines = report.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("避難所ID,避難所名")
    row = next(line for line in lines if line.startswith("S02,"))
    assert ",4," in row  # four people arrived, and they are the peak
    hq.wait_for_selector("#reports-status:has-text('保存しました')")
    assert not axe_violations(hq), "axe: the reports panel"
    screenshot(hq, "hq-reports")

    hq.click("#language")
    hq.wait_for_selector("#report-daily:has-text('Daily report CSV')")
    with hq.expect_download() as saved:
        hq.click("#report-supplies")
    supplies = Path(saved.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert supplies[0].split(",")[0] == "shelter_id"
    s02 = [line for line in supplies if line.startswith("S02,")]
    assert s02 and any(",12," in line for line in s02)  # 4 people x 3 meals a day
    assert not any(ADMIN in url for url in urls)
