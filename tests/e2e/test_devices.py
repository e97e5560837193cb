"""Kiosk health for HQ: each kiosk reports, HQ sees it, and revokes a lost one."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.conftest import ADMIN, HQ
from tests.e2e.conftest import screenshot
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
