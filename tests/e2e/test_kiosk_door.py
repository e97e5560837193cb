"""The kiosk at the door (issue #13): typed keys never join a scan, the pass dialog fits a
tablet, refusals in the kiosk's words, the last known count offline, a result readable
from two metres."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import ADMIN
from tests.e2e.conftest import axe_violations, screenshot
from tests.e2e.test_kiosk import (
    enrol,
    register,
    result_title,
    until,
    wedge_scan,
)
from tests.server import Server, serve

LANDSCAPE = {"width": 1024, "height": 768}
PORTRAIT = {"width": 768, "height": 1024}


@pytest.fixture
def door_server(database_url: str) -> Iterator[Server]:
    """A real server on this run's database, as the kiosk tests use."""
    with serve(database_url, env={"SHELTER_ADMIN_TOKEN": ADMIN}) as server:
        yield server


@pytest.fixture
def tablet(browser: Any) -> Iterator[Any]:
    """A 1024×768 tablet that may inject axe-core (our CSP would rightly block it)."""
    context = browser.new_context(locale="ja-JP", viewport=LANDSCAPE, bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


def no_serious_axe(page: Any, what: str) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{what}: {[v['id'] for v in violations]}"


def test_typed_keys_never_glue_onto_the_next_scanner_read(tablet: Any, door_server: Server) -> None:
    """A code typed and sent with 送信, or left half-typed, never spoils the next scan."""
    server = door_server
    first, second = register(server, 2), register(server, 3)
    enrol(tablet, server)

    tablet.click("#manual-code")
    tablet.keyboard.type("12345678", delay=60)  # a person, typing; invalid on purpose
    tablet.click("#manual-button")
    tablet.wait_for_selector('#result[data-tone="error"]')
    tablet.locator("#manual-button").blur()
    wedge_scan(tablet, first)  # within 1.5 s of the typed code
    until(tablet, "document.getElementById('result').dataset.tone === 'ok'")
    assert "入所 2人" in result_title(tablet)

    tablet.click("#manual-code")
    tablet.keyboard.type("9ABC", delay=60)  # a partial code, abandoned
    tablet.locator("#manual-code").blur()
    wedge_scan(tablet, second)
    until(tablet, "document.getElementById('result-title').textContent.includes('入所 3人')")
    screenshot(tablet, "kiosk-door-typed-then-scanned")
    no_serious_axe(tablet, "after a typed code and a scan")


def font_px(page: Any, selector: str) -> float:
    size: str = page.evaluate(f"getComputedStyle(document.querySelector({selector!r})).fontSize")
    return float(size.removesuffix("px"))


def test_the_outcome_is_readable_from_two_metres(tablet: Any, door_server: Server) -> None:
    """On a 1024×768 tablet the count and 入所 / 退所 / the refusal are at least 48 px."""
    server = door_server
    code = register(server, 4)
    enrol(tablet, server)
    wedge_scan(tablet, code)
    tablet.wait_for_selector('#result[data-tone="ok"]')
    assert "入所 4人" in result_title(tablet)
    assert font_px(tablet, "#result-title") >= 48
    screenshot(tablet, "kiosk-door-large-result")
    no_serious_axe(tablet, "checked in")

    tablet.click("#mode-out")
    tablet.locator("#mode-out").blur()
    wedge_scan(tablet, code)
    until(tablet, "document.getElementById('result-title').textContent.includes('退所 4人')")
    assert font_px(tablet, "#result-title") >= 48

    wedge_scan(tablet, "0000000000000000ZZZZ")  # nobody holds it
    tablet.wait_for_selector('#result[data-tone="error"]')
    assert font_px(tablet, "#result-title") >= 48
    box = tablet.locator("#result-title").bounding_box()
    assert box["x"] + box["width"] <= LANDSCAPE["width"]
    screenshot(tablet, "kiosk-door-large-refusal")
    no_serious_axe(tablet, "refused")


def refusing(status: int, body: str) -> Any:
    """A route handler: the server refuses the scan with this status and body."""

    def refuse(route: Any) -> None:
        if route.request.method == "POST":
            route.fulfill(status=status, body=body, content_type="application/json")
        else:
            route.continue_()

    return refuse


def test_refusals_are_shown_in_the_kiosks_words_never_the_servers_english(
    tablet: Any, door_server: Server
) -> None:
    """A 409 conflict and a 422 invalid read in Japanese, in the panel and the recent list."""
    server = door_server
    enrol(tablet, server)
    answers = {
        "conflict": (409, "Event conflicts with a later event for this household"),
        "invalid": (422, "Value error, pass_code: String should match pattern"),
    }
    expected = {
        "conflict": "記録が食い違っています",
        "invalid": "パスの番号が正しくありません",
    }
    for code, (status, english) in answers.items():
        body = f'{{"detail": "{english}", "code": "{code}"}}'

        tablet.route("**/api/v1/events", refusing(status, body))
        wedge_scan(tablet, register(server, 1))
        until(tablet, f"document.getElementById('result-title').textContent === {expected[code]!r}")
        panel = tablet.locator("#result").inner_text()
        row = tablet.locator("#recent-list li").first
        assert row.get_attribute("data-status") == "rejected"
        state = row.locator(".state").inner_text()
        assert state == f"受付不可 · {expected[code]}"
        for shown in (panel, state):
            assert not re.search(r"[A-Za-z]{3,}", shown), shown  # no English at all
        screenshot(tablet, f"kiosk-door-refused-{code}")
        no_serious_axe(tablet, code)
        tablet.unroute("**/api/v1/events")


def assert_pass_dialog_fits(page: Any, viewport: dict[str, int]) -> None:
    fits = page.evaluate(
        "(() => { const d = document.getElementById('pass');"
        " return [d.scrollHeight, d.clientHeight, d.scrollWidth, d.clientWidth]; })()"
    )
    assert fits[0] <= fits[1] and fits[2] <= fits[3], f"the dialog scrolls: {fits}"
    for button in ("#pass-print", "#pass-close"):
        box = page.locator(button).bounding_box()
        assert box is not None, button
        assert box["x"] >= 0 and box["y"] >= 0, (button, box)
        assert box["x"] + box["width"] <= viewport["width"], (button, box, viewport)
        assert box["y"] + box["height"] <= viewport["height"], (button, box, viewport)


def test_the_walk_in_pass_dialog_fits_a_tablet_either_way_up(
    tablet: Any, door_server: Server
) -> None:
    """On 1024×768 and 768×1024 the pass and its 印刷する / 閉じる show with no scrolling."""
    server = door_server
    enrol(tablet, server)
    tablet.click("#walkin-open")
    tablet.click("#walkin-more")
    tablet.click("#walkin-go")
    tablet.wait_for_selector("dialog#pass[open]")
    until(tablet, "document.getElementById('pass-image').naturalWidth > 0")
    for name, viewport in (("landscape", LANDSCAPE), ("portrait", PORTRAIT)):
        tablet.set_viewport_size(viewport)
        assert_pass_dialog_fits(tablet, viewport)
        screenshot(tablet, f"kiosk-door-pass-{name}")
        no_serious_axe(tablet, f"pass dialog, {name}")
    tablet.click("#pass-close")
    assert tablet.locator("dialog#pass[open]").count() == 0


def test_offline_after_a_reload_the_header_shows_the_last_known_count(
    tablet: Any, door_server: Server
) -> None:
    """Reloaded offline, the header shows the shelter and its count, marked 最終確認 HH:MM."""
    server = door_server
    code = register(server, 3)
    enrol(tablet, server)
    until(tablet, "navigator.serviceWorker.controller !== null")
    wedge_scan(tablet, code)
    tablet.wait_for_selector('#result[data-tone="ok"]')
    until(tablet, "document.getElementById('inside').textContent.startsWith('3 /')")
    assert tablet.locator("#as-of").is_hidden()  # live: nothing to mark

    tablet.context.set_offline(True)
    tablet.reload()  # the service worker serves the page; the feed cannot connect
    tablet.wait_for_selector("#desk:not([hidden])")
    until(tablet, "document.getElementById('status').dataset.state !== 'live'")
    assert "佐敷地区避難所" in tablet.locator("#shelter-name").inner_text()
    assert tablet.locator("#inside").inner_text() == "3 / 300 人"
    assert re.fullmatch(r"最終確認 \d\d:\d\d", tablet.locator("#as-of").inner_text())
    screenshot(tablet, "kiosk-door-offline-last-known")
    no_serious_axe(tablet, "offline, last known")

    tablet.click('#languages button[data-lang="en"]')
    assert re.fullmatch(r"as of \d\d:\d\d", tablet.locator("#as-of").inner_text())
    assert tablet.locator("#inside").inner_text() == "3 / 300 people"
