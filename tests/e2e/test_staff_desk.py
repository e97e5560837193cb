"""The staff desk's issue #13 work in a real browser: merges, headcounts at the door, ..."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import HQ
from tests.e2e.conftest import axe_violations, screenshot
from tests.e2e.test_staff import arrive, event, occupancy, roster, row, sign_in, token, until
from tests.server import Server


def test_merge_lists_and_counts_the_same_person_once(axe_page: Any, live_server: Server) -> None:
    """A duplicate of the mother, matched in the dialog, merges into her family of 3 as 3."""
    page = axe_page
    family = arrive(
        live_server,
        {"name": "芦北 花子", "needs": ["elderly"]},
        {"name": "芦北 一郎"},
        {"name": "芦北 次郎"},
        consent_safety_info=True,
    )
    again = arrive(live_server, {"name": "芦北 花子", "birth_year": 1948})
    assert occupancy(live_server) == 4
    sign_in(page, live_server, token(live_server))
    row(page, "芦北 一郎").locator('button[data-action="merge"]').click()
    page.wait_for_selector("#merge-dialog[open]")
    page.select_option("#merge-keep", family)
    page.select_option("#merge-from", again)
    page.click("#merge-next")
    what = page.locator("#merge-what")
    assert "4 人として数えられます" in what.inner_text()
    page.select_option("#merge-same-0", "0")
    text = what.inner_text()
    assert "名簿に載る人：芦北 花子、芦北 一郎、芦北 次郎" in text
    assert "3 人として数えられます" in text
    assert "同意：なしになります" in page.locator("#merge-what li[data-consent]").inner_text()
    screenshot(page, "staff-merge-same-person")
    assert axe_violations(page) == []
    page.click("#merge-do")
    until(page, "document.querySelectorAll('#rows tr').length === 1")
    assert row(page, "芦北 一郎").locator("td.people").inner_text() == "3 人"
    (entry,) = roster(live_server)["entries"]
    assert [m["name"] for m in entry["members"]] == ["芦北 花子", "芦北 一郎", "芦北 次郎"]
    assert entry["members"][0]["birth_year"] == 1948
    assert (entry["size"], entry["consent_safety_info"]) == (3, False)
    assert occupancy(live_server) == 3


def test_register_at_the_door_counts_more_people_than_names(
    axe_page: Any, live_server: Server
) -> None:
    """A family of 5 with two names now: the desk sends size 5 and the check-in counts 5."""
    page = axe_page
    sign_in(page, live_server, token(live_server))
    page.click("#register")
    page.fill("#m0-name", "吉尾 春子")
    page.click("#add-member")
    page.fill("#m1-name", "吉尾 夏男")
    assert page.locator("#size").is_visible()
    assert page.input_value("#size") == "2"
    page.fill("#size", "5")
    screenshot(page, "staff-register-size")
    assert axe_violations(page) == []
    # By keyboard: a click right after a full-page screenshot misses on a phone-sized page.
    page.locator("#form-submit").press("Enter")
    page.wait_for_selector("#done-view:not([hidden])")
    until(page, "document.getElementById('announcer').textContent.includes('吉尾 春子')")
    assert occupancy(live_server) == 5
    (entry,) = roster(live_server)["entries"]
    assert (entry["size"], entry["present"], len(entry["members"])) == (5, 5, 2)


def test_who_left_today_is_listed_with_japan_times(axe_page: Any, live_server: Server) -> None:
    """A check-out and a move to S02 today show under the roster, with times in Japan time."""
    page = axe_page
    left = arrive(live_server, {"name": "出口 一"})
    arrive(live_server, {"name": "残留 二"})
    moved = arrive(live_server, {"name": "移動 三"}, {"name": "移動 四"})
    codes = {h["household_id"]: h["pass_code"] for h in roster(live_server)["entries"]}
    event(live_server, "S01", kind="check_out", pass_code=codes[left])
    event(live_server, "S02", pass_code=codes[moved])
    sign_in(page, live_server, token(live_server))
    page.click("#departures-load")
    until(page, "document.querySelectorAll('#departure-rows tr').length === 2")
    rows = page.locator("#departure-rows").inner_text()
    assert "出口 一" in rows and "退所" in rows
    assert "移動 三、移動 四" in rows and "S02 へ移動" in rows
    assert "残留 二" not in rows
    assert "2 世帯・3 人" in page.locator("#departures-summary").inner_text()
    shown = page.locator("#departure-rows time").first.inner_text()
    at = page.locator("#departure-rows time").first.get_attribute("datetime")
    assert at.endswith("+09:00") and shown == at[11:16]
    page.locator("#departures").scroll_into_view_if_needed()
    screenshot(page, "staff-departures")
    assert axe_violations(page) == []


def test_the_roster_csv_is_in_japanese_with_japan_times(
    browser: Any, live_server: Server, tmp_path: Path
) -> None:
    """The desk's CSV has Japanese headers and need names, +09:00 times, 消去済み for erased."""
    kept = arrive(live_server, {"name": "芦北 花子", "needs": ["wheelchair"]})
    erased = arrive(live_server, {"name": "白石 消子"})
    response = httpx.delete(f"{live_server.base}/api/v1/households/{erased}", headers=HQ)
    assert response.status_code == 204 and kept
    context = browser.new_context(
        locale="ja-JP",
        accept_downloads=True,
        bypass_csp=True,
        viewport={"width": 390, "height": 844},
    )
    page = context.new_page()
    sign_in(page, live_server, token(live_server))
    with page.expect_download() as download:
        page.click("#csv")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    until(page, "document.getElementById('notice').textContent !== ''")
    screenshot(page, "staff-csv-japanese")
    violations = axe_violations(page)
    context.close()
    table = list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
    by_name = {row["名前"]: row for row in table}
    assert by_name["芦北 花子"]["配慮が必要なこと"] == "車いす"
    assert by_name["芦北 花子"]["入所時刻"].endswith("+09:00")
    assert "(消去済み)" in by_name
    assert violations == []
