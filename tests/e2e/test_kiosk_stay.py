"""The kiosk's stay choice (館内/車中/テント/自宅) and its over-capacity panel listing only
alternatives that fit, in a real browser: one server, one page, every step (#16, #17)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import ADMIN, HQ
from tests.e2e.conftest import axe_violations, screenshot
from tests.e2e.test_kiosk import enrol, result_title, until, wedge_scan
from tests.e2e.test_staff import sign_in, token
from tests.server import Server, serve


def register(server: Server, needs: list[list[str]], stay: str | None = None) -> str:
    body: dict[str, Any] = {
        "members": [{"name": f"滞在 花子{i}", "needs": n} for i, n in enumerate(needs)]
    }
    if stay:
        body["stay"] = stay
    response = httpx.post(f"{server.base}/api/v1/households", json=body)
    assert response.status_code == 201, response.text
    code: str = response.json()["pass_code"]
    return code


def shelter(server: Server, shelter_id: str) -> dict[str, Any]:
    body: dict[str, Any] = httpx.get(f"{server.base}/api/v1/shelters/{shelter_id}").json()
    return body


def set_spaces(server: Server, shelter_id: str, **spaces: int) -> None:
    response = httpx.patch(
        f"{server.base}/api/v1/shelters/{shelter_id}", json={"spaces": spaces}, headers=HQ
    )
    assert response.status_code == 200, response.text


@pytest.fixture
def stay_server(database_url: str) -> Iterator[Server]:
    with serve(database_url, env={"SHELTER_ADMIN_TOKEN": ADMIN}) as server:
        yield server


@pytest.fixture
def tablet(browser: Any) -> Iterator[Any]:
    """A tablet-sized page that may inject axe-core (our CSP would rightly block it)."""
    context = browser.new_context(
        locale="ja-JP", viewport={"width": 1024, "height": 900}, bypass_csp=True
    )
    page = context.new_page()
    yield page
    context.close()


def pressed(page: Any) -> list[str]:
    stays: list[str] = page.eval_on_selector_all(
        '#stay-choices button[aria-pressed="true"]', "els => els.map(e => e.dataset.stay)"
    )
    return stays


def test_the_stay_is_one_tap_and_a_full_space_offers_only_shelters_that_fit(
    tablet: Any, stay_server: Server
) -> None:
    """Planned car stay is the default, one tap moves inside; a wheelchair user at a full
    accessible space is offered only the shelter with an accessible place; a walk-in
    group picks a tent. axe-core finds nothing serious in Japanese or English."""
    server = stay_server
    set_spaces(server, "S01", accessible=1)
    set_spaces(server, "S02", accessible=2)
    set_spaces(server, "S03", accessible=0)  # has the space, and it is full
    enrol(tablet, server)

    # Registered to stay in the car: counted outside, 車中 pressed; one tap moves inside.
    car = register(server, [[], []], stay="car")
    wedge_scan(tablet, car)
    tablet.wait_for_selector('#result[data-tone="ok"] #stay:not([hidden])')
    assert "車中" in result_title(tablet)
    assert pressed(tablet) == ["car"]
    assert (shelter(server, "S01")["occupancy"], shelter(server, "S01")["outside"]) == (0, 2)
    until(tablet, "document.getElementById('inside').textContent.includes('館外 2人')")
    screenshot(tablet, "kiosk-stay-car")
    assert axe_violations(tablet) == [], "the stay choice"
    tablet.click('#stay-choices button[data-stay="shelter"]')
    until(
        tablet,
        "document.querySelector('#stay-choices [data-stay=shelter]')"
        "?.getAttribute('aria-pressed') === 'true'",
    )
    assert (shelter(server, "S01")["occupancy"], shelter(server, "S01")["outside"]) == (2, 0)

    # The accessible space is full: amber, why, and only S02 (S03's space is full too).
    wedge_scan(tablet, register(server, [["wheelchair"]]))
    wedge_scan(tablet, register(server, [["wheelchair"], []]))
    until(tablet, "document.getElementById('result-title').textContent.includes('車いす')")
    assert tablet.locator("#result").get_attribute("data-tone") == "warn"
    offered = tablet.locator("#alternatives li").all_inner_texts()
    s02, s03 = shelter(server, "S02")["name"], shelter(server, "S03")["name"]
    assert len(offered) == 1 and s02 in offered[0] and s03 not in offered[0]
    assert "車いす対応 あと2人" in offered[0] and "km" in offered[0]
    screenshot(tablet, "kiosk-accessible-full-alternatives")
    assert axe_violations(tablet) == [], "the over-capacity panel"

    tablet.click('#languages button[data-lang="en"]')
    assert "The accessible space is full" in result_title(tablet)
    assert "accessible: 2 left" in tablet.locator("#alternatives li").first.inner_text()
    assert (
        tablet.locator('#stay-choices button[data-stay="tent"]').inner_text().endswith("In a tent")
    )
    screenshot(tablet, "kiosk-accessible-full-alternatives-en")
    assert axe_violations(tablet) == [], "English"

    # A walk-in group chooses the tent in the dialog: outside, not inside.
    tablet.click("#walkin-open")
    tablet.click('#walkin-stay button[data-stay="tent"]')
    assert (
        tablet.locator('#walkin-stay button[data-stay="tent"]').get_attribute("aria-pressed")
        == "true"
    )
    screenshot(tablet, "kiosk-walk-in-stay")
    tablet.click("#walkin-go")
    tablet.wait_for_selector("#pass[open]")
    assert shelter(server, "S01")["outside"] == 1


def test_the_staff_desk_check_in_offers_the_same_stay_choice(
    tablet: Any, stay_server: Server
) -> None:
    """Registered at the door to stay in the car: counted outside, 車中 pressed; one tap
    on 館内 moves the family inside."""
    server = stay_server
    sign_in(tablet, server, token(server))
    tablet.click("#register")
    tablet.fill("#m0-name", "吉尾 春子")
    tablet.check("#stay-car")
    tablet.locator("#form-submit").press("Enter")
    tablet.wait_for_selector("#done-stay:not([hidden])")
    choice = '#done-stay-choices button[data-stay="{}"]'
    assert tablet.locator(choice.format("car")).get_attribute("aria-pressed") == "true"
    assert (shelter(server, "S01")["occupancy"], shelter(server, "S01")["outside"]) == (0, 1)
    screenshot(tablet, "staff-desk-stay")
    assert axe_violations(tablet) == []
    tablet.click(choice.format("shelter"))
    until(
        tablet,
        "document.querySelector('#done-stay-choices [data-stay=shelter]')"
        "?.getAttribute('aria-pressed') === 'true'",
    )
    assert (shelter(server, "S01")["occupancy"], shelter(server, "S01")["outside"]) == (1, 0)
