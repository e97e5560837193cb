"""The staff desk finds a household that registered from home and lost its pass (#13)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import HQ
from tests.e2e.conftest import axe_violations, screenshot
from tests.e2e.test_staff import event, occupancy, roster, row, sign_in, token, until
from tests.server import Server


def test_desk_finds_a_lost_pass_checks_it_in_and_prints_its_card(
    axe_page: Any, live_server: Server
) -> None:
    """A miss, then a match by katakana and an era year (no names shown); one button checks
    the family in here and shows its named card, which prints; the roster offers it again."""
    page = axe_page
    response = httpx.post(
        f"{live_server.base}/api/v1/households",
        json={
            "members": [
                {"name": "芦北 花子", "name_kana": "あしきた はなこ", "birth_year": 1948},
                {"name": "芦北 一郎", "birth_year": 1975},
            ]
        },
    )
    assert response.status_code == 201, response.text
    household_id = response.json()["household_id"]
    sign_in(page, live_server, token(live_server))
    page.fill("#find-name", "アシキタ ハナコ")
    page.fill("#find-year", "昭和24")
    page.click("#find-do")
    page.wait_for_selector("#find-result .found-none")
    assert "見つかりませんでした" in page.locator("#find-result").inner_text()
    screenshot(page, "staff-find-none")
    assert axe_violations(page) == []

    page.fill("#find-year", "昭和23")
    page.click("#find-do")
    page.wait_for_selector("#find-result li")
    found = page.locator("#find-result").inner_text()
    assert "2人の世帯" in found
    assert "芦北" not in found and "一郎" not in found
    screenshot(page, "staff-find-match")
    assert axe_violations(page) == []

    page.click('#find-result button[data-find="check-in"]')
    page.wait_for_selector("#done-view:not([hidden])")
    until(page, "!document.getElementById('card').hidden")
    assert "入所しました" in page.locator("#done-title").inner_text()
    assert occupancy(live_server) == 2
    assert [e["household_id"] for e in roster(live_server)["entries"]] == [household_id]
    assert page.input_value("#find-name") == ""  # nothing typed stays on the page
    # window.print blocks a headless page: record what would be printed instead.
    page.evaluate(
        "window.print = () => { document.body.dataset.printed = document.body.className; }"
    )
    page.click("#print")
    until(page, "(document.body.dataset.printed || '').includes('printing-card')")
    screenshot(page, "staff-find-checked-in")
    assert axe_violations(page) == []
    audit = httpx.get(f"{live_server.base}/api/v1/audit", headers=HQ).json()
    actions = [e["action"] for e in audit if e["action"] != "roster"]
    assert actions[:4] == ["card", "lookup_check_in", "lookup", "lookup"]
    assert not any("芦北" in str(e["detail"]) for e in audit)

    page.click("#done-back")
    row(page, "芦北 花子").locator('button[data-action="card"]').click()
    page.wait_for_selector("#done-view:not([hidden])")
    until(page, "!document.getElementById('card').hidden")
    assert "パスの再印刷：芦北 花子 ほか1人" in page.locator("#done-title").inner_text()


def test_who_left_today_downloads_as_japanese_csv(page: Any, live_server: Server) -> None:
    """The departures panel saves today's check-outs as CSV with Japanese headers, no token in
    the URL."""
    response = httpx.post(
        f"{live_server.base}/api/v1/households", json={"members": [{"name": "出口 一"}]}
    )
    code = response.json()["pass_code"]
    event(live_server, "S01", pass_code=code)
    event(live_server, "S01", pass_code=code, kind="check_out")
    sign_in(page, live_server, token(live_server))
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    with page.expect_download() as download:
        page.click("#departures-csv")
    path = download.value.path()
    table = list(csv.DictReader(io.StringIO(Path(path).read_bytes().decode("utf-8-sig"))))
    assert [(r["名前"], r["種別"]) for r in table] == [("出口 一", "退所")]
    assert any("format=csv" in url for url in urls)
    assert not any("token" in url.lower() for url in urls)
