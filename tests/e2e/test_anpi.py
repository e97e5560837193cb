"""The 安否 page in a real browser, on a phone: three languages, found and "no", axe."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import HQ
from tests.e2e.conftest import axe_violations, screenshot
from tests.server import Server

NAME = "芦北 花子"
KANA = "あしきた はなこ"


@pytest.fixture
def phone(browser: Any) -> Any:
    """A 390 px phone with the service's CSP in force."""
    context = browser.new_context(locale="ja-JP", viewport={"width": 390, "height": 844})
    page = context.new_page()
    yield page
    context.close()


def someone_inside(server: Server) -> None:
    """A consenting household checked in at S01 (over the API, as the door would)."""
    body = {
        "members": [{"name": NAME, "name_kana": KANA, "birth_year": 1948}],
        "consent_safety_info": True,
    }
    household = httpx.post(f"{server.base}/api/v1/households", json=body).json()
    scan = {
        "event_id": str(uuid.uuid4()),
        "shelter_id": "S01",
        "kind": "check_in",
        "pass_code": household["pass_code"],
    }
    assert httpx.post(f"{server.base}/api/v1/events", json=scan, headers=HQ).status_code == 201


def search(page: Any, name: str, year: str) -> None:
    page.fill("#name", name)
    page.fill("#birth-year", year)
    page.click("#submit")
    page.wait_for_selector("#result:not([hidden])")


def fits_the_phone(page: Any) -> None:
    """No sideways scrolling, and every control a thumb can hit (44 px at least)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    sizes = page.evaluate(
        """[...document.querySelectorAll('button, input')].filter(e => e.offsetParent)
           .map(e => [e.id || e.textContent, e.getBoundingClientRect().height])"""
    )
    assert all(height >= 44 for _, height in sizes), sizes


def test_a_family_finds_a_consenting_person_in_three_languages(
    phone: Any, axe_page: Any, live_server: Server
) -> None:
    """Kana and an era year find her at S01; a stranger gets the "no information" words;
    やさしい日本語 and English read the same answers; names never ride a URL; axe clean."""
    someone_inside(live_server)
    urls: list[str] = []
    phone.on("request", lambda request: urls.append(request.url))
    errors: list[str] = []
    phone.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    # Residents reach it from the public vacancy page.
    phone.goto(live_server.base + "/")
    phone.click("#anpi-link")
    phone.wait_for_url(live_server.base + "/anpi")
    phone.wait_for_selector("body[data-ready]")
    fits_the_phone(phone)
    screenshot(phone, "anpi-ja")
    search(phone, KANA, "昭和23")
    assert phone.get_attribute("#result", "data-found") == "true"
    assert "避難所にいます" in phone.inner_text("#result")
    place = phone.inner_text("#result-place")
    assert place
    assert place in phone.inner_text("#announcer")  # read out by a screen reader
    fits_the_phone(phone)
    screenshot(phone, "anpi-found")

    phone.click("button[data-lang='easy']")
    assert phone.inner_text("#title") == "かぞくを さがす"
    search(phone, "八代 四郎", "1960")
    assert phone.get_attribute("#result", "data-found") == "false"
    assert "おしらせ できる ことは ありません" in phone.inner_text("#announcer")
    screenshot(phone, "anpi-easy-none")

    phone.click("button[data-lang='en']")
    assert "No information" in phone.inner_text("#result")  # the answer shown, in English
    search(phone, NAME, "1948")
    assert "In a shelter" in phone.inner_text("#result")
    screenshot(phone, "anpi-en-found")

    asked = ("芦北", "花子", "あしきた", "八代", "%E8%8A%A6")  # and 芦 percent-encoded
    assert not [u for u in urls if any(part in u for part in asked)]
    assert not errors

    axe_page.goto(live_server.base + "/anpi")
    axe_page.wait_for_selector("body[data-ready]")
    assert axe_violations(axe_page) == []
    for lang in ("easy", "en"):
        axe_page.click(f"button[data-lang='{lang}']")
        search(axe_page, NAME, "1948")
        assert axe_violations(axe_page) == []
