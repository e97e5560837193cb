"""The staff desk (/staff) in a real browser: the roster, registering at the door, details
for a walk-in, merging, erasing, and what a token for another shelter gets."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import ADMIN, HQ
from tests.e2e.conftest import axe_violations, screenshot
from tests.server import Server


# ---- made through the API ----
def token(server: Server, role: str = "staff", shelter_id: str = "S01") -> str:
    response = httpx.post(
        f"{server.base}/api/v1/tokens",
        json={"role": role, "shelter_id": shelter_id, "label": f"{shelter_id} desk"},
        headers=HQ,
    )
    assert response.status_code == 201, response.text
    value: str = response.json()["token"]
    return value


def event(server: Server, shelter_id: str, **fields: Any) -> dict[str, Any]:
    body = {"event_id": str(uuid.uuid4()), "shelter_id": shelter_id, "kind": "check_in", **fields}
    response = httpx.post(f"{server.base}/api/v1/events", json=body, headers=HQ)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def arrive(server: Server, *members: dict[str, Any], shelter_id: str = "S01", **fields: Any) -> str:
    """A household registers from home and checks in; its id."""
    response = httpx.post(
        f"{server.base}/api/v1/households", json={"members": list(members), **fields}
    )
    assert response.status_code == 201, response.text
    created = response.json()
    event(server, shelter_id, pass_code=created["pass_code"])
    household_id: str = created["household_id"]
    return household_id


def roster(server: Server, shelter_id: str = "S01") -> dict[str, Any]:
    response = httpx.get(f"{server.base}/api/v1/shelters/{shelter_id}/roster", headers=HQ)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def occupancy(server: Server, shelter_id: str = "S01") -> int:
    value: int = httpx.get(f"{server.base}/api/v1/shelters/{shelter_id}").json()["occupancy"]
    return value


# ---- the page ----
def until(page: Any, expression: str, timeout: float = 10.0) -> None:
    """Poll a JS expression until it is true (wait_for_function needs eval, which our CSP
    forbids)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        time.sleep(0.05)


def sign_in(page: Any, server: Server, secret: str, fragment: str = "") -> None:
    page.goto(f"{server.base}/staff{fragment}")
    page.wait_for_selector("body[data-ready]")
    page.fill("#token", secret)
    page.click("#signin-button")
    page.wait_for_selector("#desk:not([hidden])")
    until(
        page,
        "document.getElementById('roster-summary').textContent !== ''"
        " || document.getElementById('desk-error').textContent !== ''",
    )


def row(page: Any, text: str) -> Any:
    return page.locator("#rows tr", has_text=text)


def rows_text(page: Any) -> str:
    value: str = page.locator("#rows").inner_text()
    return value


def test_staff_signs_in_and_sees_its_roster_with_needs(page: Any, live_server: Server) -> None:
    """Names, kana, needs in words, pets and people of S01 only; the token stays in the tab."""
    arrive(
        live_server,
        {"name": "芦北 花子", "name_kana": "あしきた はなこ", "needs": ["wheelchair", "elderly"]},
        {"name": "芦北 太郎", "needs": ["infant"]},
        pets=1,
    )
    arrive(live_server, {"name": "田浦 一郎", "name_kana": "たのうら いちろう"})
    arrive(live_server, {"name": "佐敷 次郎"}, shelter_id="S02")
    secret = token(live_server)
    sign_in(page, live_server, secret)

    family = row(page, "芦北 花子")
    assert "あしきた はなこ" in family.inner_text()
    assert family.locator('.need[data-need="wheelchair"]').inner_text() == "車いす"
    assert "高齢者" in family.inner_text() and "乳幼児" in family.inner_text()
    assert family.locator("td.people").inner_text() == "2 人"
    assert "2 世帯・3 人" in page.locator("#roster-summary").inner_text()
    assert "佐敷 次郎" not in rows_text(page)  # another shelter's household
    assert secret not in page.url
    assert page.evaluate("sessionStorage.getItem('shelter.staff.token')") == secret
    assert secret not in page.evaluate("JSON.stringify(localStorage)")
    screenshot(page, "staff-roster")

    page.fill("#filter", "タノウラ")  # katakana finds the hiragana reading
    assert page.locator("#rows tr").count() == 1
    assert "田浦 一郎" in rows_text(page)
    page.fill("#filter", "")
    assert page.locator("#rows tr").count() == 2


def test_the_roster_follows_check_ins_at_the_door_without_a_reload(
    page: Any, live_server: Server
) -> None:
    """A kiosk check-in moves the live count, and the roster reads itself again."""
    sign_in(page, live_server, token(live_server))
    assert page.locator("#roster-empty").is_visible()
    arrive(live_server, {"name": "門前 来子", "needs": ["allergy"]})
    until(page, "document.getElementById('rows').textContent.includes('門前 来子')")
    assert "アレルギー" in rows_text(page)
    assert "避難者 1 / 300 人" in page.locator("#occupancy").inner_text()


def test_the_roster_csv_downloads_with_no_token_in_any_url(
    browser: Any, live_server: Server, tmp_path: Path
) -> None:
    """The CSV is fetched with the header and saved from a blob: Excel's BOM, the names."""
    arrive(live_server, {"name": "芦北 花子", "needs": ["wheelchair"]})
    secret = token(live_server)
    context = browser.new_context(locale="ja-JP", accept_downloads=True)
    page = context.new_page()
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    sign_in(page, live_server, secret)
    with page.expect_download() as download:
        page.click("#csv")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    data = path.read_bytes()
    context.close()
    assert path.name.startswith("roster-S01-") and path.suffix == ".csv"
    assert data.startswith(b"\xef\xbb\xbf")
    assert "芦北 花子" in data.decode("utf-8-sig")
    assert urls and not [url for url in urls if secret in url]


def test_staff_registers_a_walk_in_at_the_door_and_it_is_checked_in(
    page: Any, live_server: Server
) -> None:
    """Two people typed in at the desk: checked in at S01, the named pass card loads."""
    console: list[str] = []
    urls: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.on("request", lambda request: urls.append(request.url))
    sign_in(page, live_server, token(live_server))
    assert page.locator("#roster-empty").is_visible()
    page.click("#register")
    page.fill("#m0-name", "吉尾 春子")
    page.fill("#m0-kana", "よしお はるこ")
    page.fill("#m0-birthYear", "１９４０")  # a Japanese keyboard's digits
    page.check("#m0-need-wheelchair")
    page.click("#add-member")
    page.fill("#m1-name", "吉尾 夏男")
    page.fill("#phone", "０９６６-８２-２５１１")
    page.check("#stay-shelter")
    screenshot(page, "staff-register-form")
    page.click("#form-submit")
    page.wait_for_selector("#done-view:not([hidden])")
    until(page, "document.getElementById('card').naturalWidth === 1200")
    assert "入所しました" in page.locator("#done-title").inner_text()
    until(page, "document.getElementById('announcer').textContent.includes('吉尾 春子')")
    screenshot(page, "staff-registered")

    assert occupancy(live_server) == 2
    (entry,) = roster(live_server)["entries"]
    assert [m["name"] for m in entry["members"]] == ["吉尾 春子", "吉尾 夏男"]
    assert entry["members"][0]["birth_year"] == 1940
    assert entry["members"][0]["needs"] == ["wheelchair"]
    assert entry["phone"] == "0966-82-2511" and entry["stay"] == "shelter"
    page.click("#done-back")
    until(page, "document.querySelectorAll('#rows tr').length === 1")
    assert "吉尾 夏男" in rows_text(page)
    for text in [*console, *urls]:
        assert "吉尾" not in text and "%E5%90%89" not in text and "0966" not in text


def test_staff_attaches_details_to_an_anonymous_walk_in(page: Any, live_server: Server) -> None:
    """A headcount of 3 with no pass gets a name and needs; still 3 people, now named."""
    event(live_server, "S01", headcount=3)
    sign_in(page, live_server, token(live_server))
    walk_in = row(page, "名前の記録なし")
    assert walk_in.locator("td.people").inner_text() == "3 人"
    walk_in.locator('button[data-action="edit"]').click()
    page.wait_for_selector("#form-view:not([hidden])")
    assert page.input_value("#size") == "3"
    page.fill("#m0-name", "湯浦 秋子")
    page.check("#m0-need-pregnant")
    screenshot(page, "staff-attach-form")
    page.click("#form-submit")
    page.wait_for_selector("#roster-view:not([hidden])")
    until(page, "document.getElementById('rows').textContent.includes('湯浦 秋子')")
    named = row(page, "湯浦 秋子")
    assert "妊婦" in named.inner_text()
    assert "ほか2人（名前なし）" in named.inner_text()
    assert named.locator("td.people").inner_text() == "3 人"
    (entry,) = roster(live_server)["entries"]
    assert not entry["anonymous"] and entry["size"] == 3
    assert entry["members"][0]["needs"] == ["pregnant"]
    assert occupancy(live_server) == 3


def test_staff_merges_two_records_of_one_household(page: Any, live_server: Server) -> None:
    """Keep one record, merge the other in after a confirmation: one household, same count."""
    arrive(live_server, {"name": "大野 一子", "needs": ["elderly"]})
    arrive(live_server, {"name": "大野 二郎"})
    before = occupancy(live_server)
    assert before == 2
    sign_in(page, live_server, token(live_server))
    row(page, "大野 一子").locator('button[data-action="merge"]').click()
    page.wait_for_selector("#merge-dialog[open]")
    keep = page.locator("#merge-keep option:checked").inner_text()
    assert "大野 一子" in keep
    assert "大野 二郎" in page.locator("#merge-from option:checked").inner_text()
    page.click("#merge-next")
    what = page.locator("#merge-what").inner_text()
    assert "大野 二郎" in what and "大野 一子" in what and "元に戻せません" in what
    screenshot(page, "staff-merge-confirm")
    page.click("#merge-do")
    until(page, "document.querySelectorAll('#rows tr').length === 1")
    merged = rows_text(page)
    assert "大野 一子" in merged and "大野 二郎" in merged
    assert "1 世帯・2 人" in page.locator("#roster-summary").inner_text()
    assert occupancy(live_server) == before
    data = roster(live_server)
    assert data["households"] == 1 and data["people"] == before


def test_staff_erases_a_households_personal_data(page: Any, live_server: Server) -> None:
    """After a confirmation the names are gone everywhere; the count is unchanged."""
    arrive(
        live_server, {"name": "白石 消子", "name_kana": "しらいし けすこ"}, {"name": "白石 消夫"}
    )
    arrive(live_server, {"name": "残る 人"})
    sign_in(page, live_server, token(live_server))
    row(page, "白石 消子").locator('button[data-action="erase"]').click()
    page.wait_for_selector("#erase-dialog[open]")
    assert "白石 消子" in page.locator("#erase-what").inner_text()
    assert page.evaluate("document.activeElement.id") == "erase-cancel"  # the safe default
    screenshot(page, "staff-erase-confirm")
    page.click("#erase-do")
    until(page, "!document.getElementById('rows').textContent.includes('白石')")
    assert "名前の記録なし" in rows_text(page)
    assert "2 世帯・3 人" in page.locator("#roster-summary").inner_text()
    assert "白石" not in page.content()
    assert "白石" not in str(roster(live_server))
    assert occupancy(live_server) == 3


def test_a_staff_token_of_another_shelter_sees_an_error_not_data(
    page: Any, live_server: Server
) -> None:
    """S02's desk opened on S01 is refused in words, shows no S01 names, offers its own."""
    arrive(live_server, {"name": "秘密 花子"})
    sign_in(page, live_server, token(live_server, shelter_id="S02"), fragment="#S01")
    assert "S01" in page.locator("#desk-error").inner_text()
    assert page.locator("#rows tr").count() == 0
    assert "秘密" not in page.content()
    assert page.locator("#register").is_hidden() and page.locator("#csv").is_hidden()
    screenshot(page, "staff-other-shelter")
    page.click("#open-own")
    until(page, "document.getElementById('roster-summary').textContent.includes('0 世帯')")
    assert page.locator("#desk-error").is_hidden()
    assert "秘密" not in page.content()


def test_a_kiosk_token_is_refused_with_words(page: Any, live_server: Server) -> None:
    """A kiosk token cannot open the roster: the sign-in says which token to use."""
    page.goto(f"{live_server.base}/staff")
    page.wait_for_selector("body[data-ready]")
    page.fill("#token", token(live_server, role="kiosk"))
    page.click("#signin-button")
    until(page, "document.getElementById('signin-error').textContent.includes('staff')")
    assert page.locator("#desk").is_hidden()
    assert page.evaluate("sessionStorage.getItem('shelter.staff.token')") is None


def test_hq_picks_the_shelter_whose_roster_it_sees(page: Any, live_server: Server) -> None:
    """An hq token gets a shelter picker; choosing S02 shows S02's households."""
    arrive(live_server, {"name": "一番 花子"})
    arrive(live_server, {"name": "二番 太郎"}, shelter_id="S02")
    sign_in(page, live_server, ADMIN)
    assert page.locator("#picker").is_visible()
    assert "一番 花子" in rows_text(page)
    page.select_option("#shelter-select", "S02")
    until(page, "document.getElementById('rows').textContent.includes('二番 太郎')")
    assert "一番 花子" not in rows_text(page)
    assert page.url.endswith("#S02")
    screenshot(page, "staff-hq-picker")


def test_axe_finds_no_serious_violations_in_japanese_and_english(
    axe_page: Any, live_server: Server
) -> None:
    """WCAG 2.2 AA by axe-core: sign-in, roster, form and a confirmation, in ja and en."""
    arrive(live_server, {"name": "芦北 花子", "needs": ["wheelchair", "elderly"]}, pets=2)
    event(live_server, "S01", headcount=2)
    axe_page.goto(f"{live_server.base}/staff")
    axe_page.wait_for_selector("body[data-ready]")
    assert axe_violations(axe_page) == [], "sign-in"
    sign_in(axe_page, live_server, token(live_server))
    for language in ("ja", "en"):
        if language == "en":
            axe_page.click("#language")
            assert axe_page.locator("html").get_attribute("lang") == "en"
        assert axe_violations(axe_page) == [], f"roster {language}"
        screenshot(axe_page, f"staff-roster-phone-{language}")
        axe_page.click("#register")
        assert axe_violations(axe_page) == [], f"form {language}"
        axe_page.click("#form-cancel")
        row(axe_page, "芦北 花子").locator('button[data-action="erase"]').click()
        axe_page.wait_for_selector("#erase-dialog[open]")
        assert axe_violations(axe_page) == [], f"erase {language}"
        axe_page.click("#erase-cancel")
    assert "Households in the shelter now" in axe_page.locator("#roster-title").inner_text()
