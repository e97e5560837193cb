"""Registration from home in a real browser: the form, the pass card, and its QR."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import zxingcpp
from PIL import Image

from tests.conftest import HQ
from tests.e2e.conftest import axe_violations, screenshot
from tests.server import Server


@pytest.fixture
def phone(browser: Any) -> Any:
    """A phone-sized page with the service's CSP in force."""
    context = browser.new_context(
        locale="ja-JP", viewport={"width": 390, "height": 844}, accept_downloads=True
    )
    page = context.new_page()
    yield page
    context.close()


def saved_card(page: Any, tmp_path: Path) -> Image.Image:
    """Press "save image" and open the file the browser saved."""
    with page.expect_download() as download:
        page.click("#save")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    return Image.open(path)


def check_in(server: Server, code: str) -> dict[str, Any]:
    body = {"event_id": str(uuid.uuid4()), "shelter_id": "S01", "kind": "check_in"}
    response = httpx.post(
        f"{server.base}/api/v1/events", json={**body, "pass_code": code}, headers=HQ
    )
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_a_household_registers_and_its_saved_card_scans_as_its_pass(
    phone: Any, live_server: Server, tmp_path: Path
) -> None:
    """Two people, needs, where they stay, consent: the saved image decodes to the pass."""
    phone.goto(live_server.base + "/register")
    phone.wait_for_selector("body[data-ready]")
    phone.fill("#m0-name", "芦北 花子")
    phone.click("#m0-more-toggle")  # all but the name fold behind one line on a phone
    phone.fill("#m0-kana", "あしきた はなこ")
    phone.fill("#m0-birthYear", "１９４８")  # full-width, as a Japanese keyboard types it
    phone.select_option("#m0-sex", "female")
    phone.check("#m0-need-wheelchair")
    phone.check("#m0-need-elderly")
    phone.click("#add-member")
    phone.fill("#m1-name", "芦北 太郎")
    phone.click("#m1-more-toggle")
    phone.check("#m1-need-infant")
    phone.fill("#pets", "1")
    phone.fill("#phone", "０９６６-８２-２５１１")
    phone.check("#stay-shelter")
    phone.check("#consent")
    screenshot(phone, "register-form")
    phone.click("#submit")
    phone.wait_for_selector("#done:not([hidden])")
    phone.wait_for_function("document.getElementById('card').naturalWidth === 600")
    screenshot(phone, "register-done")

    card = saved_card(phone, tmp_path)
    (code,) = [result.text for result in zxingcpp.read_barcodes(card)]
    answer = check_in(live_server, code)  # the saved image works as the pass
    assert answer["people"] == 2
    roster = httpx.get(f"{live_server.base}/api/v1/shelters/S01/roster", headers=HQ).json()
    (entry,) = roster["entries"]
    assert entry["pets"] == 1
    assert entry["phone"] == "0966-82-2511"
    assert [m["name"] for m in entry["members"]] == ["芦北 花子", "芦北 太郎"]
    assert entry["members"][0]["birth_year"] == 1948
    assert set(entry["members"][0]["needs"]) == {"wheelchair", "elderly"}
    assert entry["members"][1]["needs"] == ["infant"]


def test_a_household_of_one_may_give_only_a_name(
    phone: Any, live_server: Server, tmp_path: Path
) -> None:
    """Nothing but a name is asked for; the pass comes back at once."""
    phone.goto(live_server.base + "/register")
    phone.wait_for_selector("body[data-ready]")
    phone.click("#submit")  # no name yet: said in words, nothing sent
    assert "名前" in phone.locator("#error").inner_text()
    phone.fill("#m0-name", "田浦 一郎")
    phone.click("#submit")
    phone.wait_for_selector("#done:not([hidden])")
    phone.wait_for_function("document.getElementById('card').naturalWidth === 600")
    (code,) = [r.text for r in zxingcpp.read_barcodes(saved_card(phone, tmp_path))]
    assert check_in(live_server, code)["people"] == 1


def test_the_page_reads_in_easy_japanese_and_english(phone: Any, live_server: Server) -> None:
    """One button per language; labels, and the page's lang, follow."""
    phone.goto(live_server.base + "/register")
    phone.wait_for_selector("body[data-ready]")
    phone.click('#languages button[data-lang="easy"]')
    assert "なまえ" in phone.locator('label[for="m0-name"]').inner_text()
    phone.click('#languages button[data-lang="en"]')
    assert phone.locator("html").get_attribute("lang") == "en"
    assert "Name" in phone.locator('label[for="m0-name"]').inner_text()
    phone.fill("#m0-name", "Maria Santos")
    phone.click("#submit")
    phone.wait_for_selector("#done:not([hidden])")
    assert "shelter pass" in phone.locator("#done-title").inner_text()


def test_no_personal_data_leaves_in_a_url(phone: Any, live_server: Server) -> None:
    """The name travels only in the POST body; every URL the page asks for is clean."""
    requests: list[str] = []
    phone.on("request", lambda request: requests.append(request.url))
    phone.goto(live_server.base + "/register")
    phone.wait_for_selector("body[data-ready]")
    phone.fill("#m0-name", "秘密 花子")
    phone.fill("#phone", "09012345678")
    phone.click("#submit")
    phone.wait_for_selector("#done:not([hidden])")
    assert requests
    for url in requests:
        assert "秘密" not in url and "%E7%A7%98" not in url and "09012345678" not in url
        assert url.startswith(("http://127.0.0.1", "blob:", "data:"))


def test_axe_finds_no_serious_violations_in_any_language(
    axe_page: Any, live_server: Server
) -> None:
    """WCAG 2.2 AA by axe-core on the form in three languages, and on the finished pass."""
    axe_page.goto(live_server.base + "/register")
    axe_page.wait_for_selector("body[data-ready]")
    for language in ("ja", "easy", "en"):
        axe_page.click(f'#languages button[data-lang="{language}"]')
        assert axe_violations(axe_page) == [], language
    axe_page.fill("#m0-name", "Test")
    axe_page.click("#submit")
    axe_page.wait_for_selector("#done:not([hidden])")
    assert axe_violations(axe_page) == [], "done"


def test_the_saved_card_has_a_large_qr_and_names_its_code_for_screen_readers(
    phone: Any, live_server: Server, tmp_path: Path
) -> None:
    """The card is 600 × 900, its QR fills the middle, and its alt text says the code."""
    phone.goto(live_server.base + "/register")
    phone.wait_for_selector("body[data-ready]")
    phone.fill("#m0-name", "吉尾 次郎")
    phone.click("#submit")
    phone.wait_for_selector("#done:not([hidden])")
    phone.wait_for_function("document.getElementById('card').naturalWidth === 600")
    card = saved_card(phone, tmp_path)
    assert card.size == (600, 900)
    (result,) = zxingcpp.read_barcodes(card)
    box = result.position
    assert box.top_right.x - box.top_left.x > 250
    assert result.text in phone.locator("#card").get_attribute("alt")


def test_a_year_of_birth_in_a_japanese_era_is_kept_as_the_western_year(
    phone: Any, live_server: Server, tmp_path: Path
) -> None:
    """昭和23 (and S23, full width) is 1948; a year in the future is refused in words that
    name the field, and nothing is registered until it is fixed."""
    phone.goto(live_server.base + "/register")
    phone.wait_for_selector("body[data-ready]")
    phone.fill("#m0-name", "芦北 花子")
    phone.click("#m0-more-toggle")
    phone.fill("#m0-birthYear", "2099")
    phone.click("#submit")
    error = phone.locator("#error")
    error.wait_for()
    phone.wait_for_function("document.getElementById('error').textContent.length > 0")
    assert "生まれた年" in error.inner_text()
    screenshot(phone, "register-future-year")
    phone.fill("#m0-birthYear", "昭和23")
    phone.click("#add-member")
    phone.fill("#m1-name", "芦北 太郎")
    phone.click("#m1-more-toggle")
    phone.fill("#m1-birthYear", "Ｓ２３")
    phone.click("#submit")
    phone.wait_for_selector("#done:not([hidden])")
    phone.wait_for_function("document.getElementById('card').naturalWidth === 600")
    (code,) = [r.text for r in zxingcpp.read_barcodes(saved_card(phone, tmp_path))]
    check_in(live_server, code)
    roster = httpx.get(f"{live_server.base}/api/v1/shelters/S01/roster", headers=HQ).json()
    (entry,) = roster["entries"]
    assert [m["birth_year"] for m in entry["members"]] == [1948, 1948]


def test_the_pass_is_kept_on_the_device_until_the_household_removes_it(
    phone: Any, live_server: Server, tmp_path: Path
) -> None:
    """Closed or reloaded, the page shows the same pass again (it still scans); the remove
    button takes it off the device and the form comes back."""
    phone.goto(live_server.base + "/register")
    phone.wait_for_selector("body[data-ready]")
    phone.fill("#m0-name", "湯浦 次郎")
    phone.click("#submit")
    phone.wait_for_selector("#done:not([hidden])")
    phone.wait_for_function("document.getElementById('card').naturalWidth === 600")
    (first,) = [r.text for r in zxingcpp.read_barcodes(saved_card(phone, tmp_path))]
    phone.reload()
    phone.wait_for_selector("body[data-ready]")
    phone.wait_for_selector("#done:not([hidden])")
    phone.wait_for_function("document.getElementById('card').naturalWidth === 600")
    (again,) = [r.text for r in zxingcpp.read_barcodes(saved_card(phone, tmp_path))]
    assert again == first
    assert "保存" in phone.locator("#kept").inner_text()
    screenshot(phone, "register-kept-pass")
    phone.click("#forget")
    phone.wait_for_selector("#form:not([hidden])")
    phone.reload()
    phone.wait_for_selector("body[data-ready]")
    assert phone.locator("#done").is_hidden()
    assert check_in(live_server, first)["people"] == 1


def test_the_card_lists_every_name_and_the_easy_card_is_in_kana(
    phone: Any, live_server: Server
) -> None:
    """The card drawn on the device names each member (the server's public card stays
    nameless); in やさしい日本語 its own words are hiragana and katakana only."""
    names = ["芦北 花子", "芦北 太郎", "芦北 一郎"]
    phone.goto(live_server.base + "/register")
    phone.wait_for_selector("body[data-ready]")
    phone.click('#languages button[data-lang="easy"]')
    for index, name in enumerate(names):
        if index:
            phone.click("#add-member")
        phone.fill(f"#m{index}-name", name)
    phone.click("#submit")
    phone.wait_for_selector("#done:not([hidden])")
    phone.wait_for_function("document.getElementById('card').naturalWidth === 600")
    # Every text the page draws on the card, while it draws it again in easy Japanese.
    texts = phone.evaluate(
        """async () => {
            const pause = () => new Promise((resolve) => setTimeout(resolve, 600));
            document.querySelector('#languages button[data-lang="ja"]').click();
            await pause();
            const seen = [];
            const original = CanvasRenderingContext2D.prototype.fillText;
            CanvasRenderingContext2D.prototype.fillText = function (text, ...rest) {
                seen.push(String(text));
                return original.call(this, text, ...rest);
            };
            document.querySelector('#languages button[data-lang="easy"]').click();
            await pause();
            CanvasRenderingContext2D.prototype.fillText = original;
            return seen;
        }"""
    )
    assert all(name in texts for name in names), texts
    assert "かぞく 3にん" in texts
    own_words = [text for text in texts if text not in names]
    kanji = [t for t in own_words if any("\u4e00" <= ch <= "\u9fff" for ch in t)]
    assert kanji == [], kanji
    screenshot(phone, "register-card-easy")


def test_a_family_of_three_fits_in_about_two_phone_screens(phone: Any, live_server: Server) -> None:
    """All but the name fold behind one line per person: three members and the household
    fields are at most two and a half 844 px screens; a need is one tap away, and is sent."""
    phone.goto(live_server.base + "/register")
    phone.wait_for_selector("body[data-ready]")
    for index in range(3):
        if index:
            phone.click("#add-member")
        phone.fill(f"#m{index}-name", f"芦北 {index}")
    height = phone.evaluate("document.documentElement.scrollHeight")
    assert height <= 2.5 * 844, height
    screenshot(phone, "register-family-of-three")
    phone.click("#m2-more-toggle")
    phone.check("#m2-need-wheelchair")
    assert "1" in phone.locator("#m2-more-toggle").inner_text()
    phone.click("#submit")
    phone.wait_for_selector("#done:not([hidden])")
