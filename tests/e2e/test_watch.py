"""Watching (#14): the public map with tiles, without them and with them blocked; English
with no Japanese left; HQ's wall screen with 30 shelters, alerts with a beep, totals that
add up; nothing sideways on a phone. Tiles come from a stand-in on this machine."""

from __future__ import annotations

import io
import re
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ADMIN, HQ
from tests.e2e.conftest import axe_violations, screenshot
from tests.server import Server, serve

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff60]")


class TileStandIn:
    """A tiny tile server: a pale 256 px PNG for every /tiles/{z}/{x}/{y}.png, or 503."""

    def __init__(self) -> None:
        from PIL import Image, ImageDraw

        image = Image.new("RGB", (256, 256), (236, 240, 232))
        draw = ImageDraw.Draw(image)
        for offset in range(0, 256, 64):  # a grid of "roads", so tiles show in screenshots
            draw.line([(offset, 0), (offset, 256)], fill=(200, 200, 200), width=3)
            draw.line([(0, offset), (256, offset)], fill=(200, 200, 200), width=3)
        draw.line([(0, 200), (256, 120)], fill=(150, 190, 230), width=12)  # a river
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        self.png = buffer.getvalue()
        self.served = 0
        self.failing = False
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if stand_in.failing or not re.fullmatch(r"/tiles/\d+/\d+/\d+\.png", self.path):
                    self.send_error(503)
                    return
                stand_in.served += 1
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(stand_in.png)))
                self.end_headers()
                self.wfile.write(stand_in.png)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def template(self) -> str:
        return f"http://127.0.0.1:{self.port}/tiles/{{z}}/{{x}}/{{y}}.png"


@pytest.fixture(scope="module")
def tiles() -> Iterator[TileStandIn]:
    stand_in = TileStandIn()
    yield stand_in
    stand_in.httpd.shutdown()
    stand_in.httpd.server_close()


@pytest.fixture
def tiled_server(tmp_path: Path, tiles: TileStandIn) -> Iterator[Server]:
    env = {"SHELTER_ADMIN_TOKEN": ADMIN, "SHELTER_MAP_TILES": tiles.template}
    with serve(tmp_path / "tiles.db", env=env) as server:
        yield server


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


def japanese_left(page: Any, server: Server, data: tuple[str, ...] = ()) -> list[str]:
    """The page's text and labels in Japanese, once data (shelter names with no English
    name, addresses, what people typed) is taken out."""
    shelters = httpx.get(f"{server.base}/api/v1/shelters").json()
    names = [s["name"] for s in shelters if not s["name_en"]] + [s["address"] for s in shelters]
    data = tuple(sorted([*names, *data], key=len, reverse=True))
    texts: list[str] = page.evaluate(
        """() => {
            const out = [document.title];
            const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                const parent = node.parentElement;
                if (!parent || parent.closest('[hidden], script, style')) continue;
                if (parent.closest('[lang="ja"]')) continue;  // marked as Japanese data
                if (node.textContent.trim()) out.push(node.textContent.trim());
            }
            for (const el of document.querySelectorAll('[aria-label], [alt], [title]')) {
                if (el.closest('[hidden]') || el.closest('[lang="ja"]')) continue;
                for (const name of ['aria-label', 'alt', 'title']) {
                    if (el.getAttribute(name)) out.push(el.getAttribute(name));
                }
            }
            return out;
        }"""
    )
    left = []
    for text in texts:
        for item in data:
            text = text.replace(item, "")
        if JAPANESE.search(text):
            left.append(text)
    return left


def no_sideways_overflow(page: Any) -> bool:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width <= page.viewport_size["width"]


def test_public_map_shows_tiles_from_the_configured_host_then_the_drawing_when_they_fail(
    browser: Any, tiled_server: Server, tiles: TileStandIn
) -> None:
    """Leaflet loads stand-in tiles under the CSP; markers tap to 満員 +N and 道順; the
    nearest shelter with room skips the full one; blocked tiles fall back and say why."""
    walk_ins(tiled_server, "S05", 101)  # S05 holds 80: 21 over
    context = browser.new_context(
        locale="ja-JP",
        viewport={"width": 1280, "height": 1000},
        geolocation={"latitude": 32.337, "longitude": 130.575},  # at S05 (吉尾)
        permissions=["geolocation"],
    )
    page = context.new_page()
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on(
        "console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None
    )
    page.goto(tiled_server.base + "/")
    page.wait_for_selector("#map .leaflet-tile-loaded")
    assert page.locator("#map path.marker").count() == 5
    assert tiles.served > 0
    assert all(url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:")) for url in requests)
    assert problems == []
    assert "地理院タイル" in page.locator(".leaflet-control-attribution").inner_text()
    card = page.locator('.card[data-id="S05"]')
    assert "満員 +21" in card.locator(".level").inner_text()
    assert "定員を 21 人 超えています" in card.inner_text()

    page.locator('#map path.marker[data-id="S05"]').click(force=True)
    popup = page.locator(".leaflet-popup-content .popup")
    popup.wait_for()
    assert "満員 +21" in popup.inner_text()
    link = popup.locator("a.directions").get_attribute("href")
    s05 = httpx.get(f"{tiled_server.base}/api/v1/shelters/S05").json()
    assert link is not None and link.endswith(f"{s05['lat']:.6f},{s05['lon']:.6f}")
    assert re.fullmatch(r"https://[^?]+\?[a-z=&]*(api=1&destination=|daddr=)[0-9.,]+", link)

    page.click("#locate")
    page.wait_for_selector("#nearest:not([hidden])")
    nearest = page.locator("#nearest").get_attribute("data-id")
    shelters = httpx.get(f"{tiled_server.base}/api/v1/shelters").json()

    def km(s: dict[str, Any]) -> float:
        return float((s["lat"] - 32.337) ** 2 + ((s["lon"] - 130.575) * 0.845) ** 2)

    with_room = [s for s in shelters if s["level"] not in ("full", "closed")]
    assert nearest == min(with_room, key=km)["id"] != "S05"
    assert page.locator(".card").first.get_attribute("data-id") == "S05"  # still nearest of all
    page.wait_for_timeout(500)
    screenshot(page, "public-map-tiles")

    tiles.failing = True
    page.reload()
    page.wait_for_selector('#map-note[data-fallback="blocked"]', timeout=10000)
    assert page.locator("#map svg .marker").count() == 5
    assert "読み込めません" in page.locator("#map-note").inner_text()
    screenshot(page, "public-map-blocked")
    tiles.failing = False
    context.close()

    # The same state through axe (its script needs the CSP bypassed), in both languages.
    context = browser.new_context(
        locale="ja-JP", viewport={"width": 390, "height": 844}, bypass_csp=True
    )
    phone = context.new_page()
    phone.goto(tiled_server.base + "/")
    phone.wait_for_selector("#map .leaflet-tile-loaded")
    phone.locator('#map path.marker[data-id="S05"]').click(force=True)
    phone.wait_for_selector(".leaflet-popup-content .popup")
    assert no_sideways_overflow(phone)
    assert axe_violations(phone) == []
    phone.click("#language")
    assert axe_violations(phone) == [], "en"
    screenshot(phone, "public-map-phone-en")
    context.close()


def test_public_page_without_tiles_draws_the_map_says_why_and_speaks_only_english(
    axe_page: Any, live_server: Server
) -> None:
    """No tiles configured: the drawing and the reason; 満員 +N and まもなく満員; in English
    no Japanese UI text is left; at 390 px nothing overflows sideways; axe finds nothing
    serious."""
    walk_ins(live_server, "S05", 85)
    axe_page.goto(live_server.base + "/")
    axe_page.wait_for_selector('#map-note[data-fallback="none"]')
    assert axe_page.locator("#map svg .marker").count() == 5
    assert "設定" in axe_page.locator("#map-note").inner_text()
    assert "満員 +5" in axe_page.locator('.card[data-id="S05"] .level').inner_text()
    walk_ins(live_server, "S01", 280)  # 0 → 280 of 300 while the page watches
    filling = axe_page.locator('.card[data-id="S01"] .filling')
    filling.wait_for()
    assert "まもなく満員" in filling.inner_text()
    assert no_sideways_overflow(axe_page)
    assert axe_violations(axe_page) == []
    axe_page.click("#language")
    axe_page.wait_for_function("document.documentElement.lang === 'en'")
    assert japanese_left(axe_page, live_server) == []
    assert "Full +5" in axe_page.locator('.card[data-id="S05"] .level').inner_text()
    assert "turned off" in axe_page.locator("#map-note").inner_text()
    assert no_sideways_overflow(axe_page)
    assert axe_violations(axe_page) == [], "en"
    screenshot(axe_page, "public-no-tiles-en")


def set_spaces(server: Server, shelter_id: str, **spaces: int) -> None:
    response = httpx.patch(
        f"{server.base}/api/v1/shelters/{shelter_id}", json={"spaces": spaces}, headers=HQ
    )
    assert response.status_code == 200, response.text


def check_in_household(server: Server, shelter_id: str, **household: Any) -> None:
    """Register a household (members, pets) and check it in: it fills the spaces it needs."""
    made = httpx.post(f"{server.base}/api/v1/households", json=household)
    assert made.status_code == 201, made.text
    body = {
        "event_id": str(uuid.uuid4()),
        "shelter_id": shelter_id,
        "kind": "check_in",
        "pass_code": made.json()["pass_code"],
    }
    response = httpx.post(f"{server.base}/api/v1/events", json=body, headers=HQ)
    assert response.status_code == 201, response.text


def shown_ids(page: Any) -> list[str]:
    ids: list[str] = page.eval_on_selector_all(".card", "els => els.map(e => e.dataset.id)")
    return sorted(ids)


def test_public_filters_show_only_shelters_with_room_of_that_kind_through_live_updates(
    axe_page: Any, live_server: Server
) -> None:
    """Cards show each space's room (満 when none) and people outside; 車いす対応の空き and
    ペット同伴可 hide shelters whose space is full or missing, bring them back when turned
    off, keep working through a live update, steer the nearest-with-room button, are read
    out, and pass axe in Japanese and English."""
    server = live_server
    set_spaces(server, "S01", accessible=1, pets=2)
    set_spaces(server, "S02", accessible=3)
    set_spaces(server, "S03", pets=1)
    check_in_household(server, "S01", members=[{"name": "車いす 利用者", "needs": ["wheelchair"]}])
    check_in_household(server, "S03", members=[{"name": "犬 の 飼い主"}], pets=1)
    walk = {"event_id": str(uuid.uuid4()), "shelter_id": "S04", "kind": "check_in"}
    outside = httpx.post(
        f"{server.base}/api/v1/events",
        json={**walk, "pass_code": None, "headcount": 3, "stay": "car"},
        headers=HQ,
    )
    assert outside.status_code == 201, outside.text

    page = axe_page
    s01 = httpx.get(f"{server.base}/api/v1/shelters/S01").json()
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": s01["lat"], "longitude": s01["lon"]})
    page.goto(server.base + "/")
    page.wait_for_selector('#map-note[data-fallback="none"]')
    assert shown_ids(page) == ["S01", "S02", "S03", "S04", "S05"]
    s01_card = page.locator('.card[data-id="S01"]')
    assert s01_card.locator('.space[data-kind="accessible"]').inner_text() == "車いす対応 満"
    assert s01_card.locator('.space[data-kind="pets"]').inner_text() == "ペット あと2匹"
    assert "車いす対応 あと3人" in page.locator('.card[data-id="S02"]').inner_text()
    assert "ペット 満" in page.locator('.card[data-id="S03"]').inner_text()
    assert "車中・テント・自宅 3人" in page.locator('.card[data-id="S04"] .outside').inner_text()
    assert page.locator('.card[data-id="S05"] .spaces, .card .outside').count() == 1

    accessible = page.locator("#filter-accessible")
    pets = page.locator("#filter-pets")
    assert accessible.bounding_box()["height"] >= 44
    accessible.click()
    assert accessible.get_attribute("aria-pressed") == "true"
    assert shown_ids(page) == ["S02"]  # S01's space is full; the others have none
    assert page.locator("#map svg .marker").count() == 1
    assert "車いす対応の空き" in page.locator("#announcer").inner_text()
    page.click("#locate")
    page.wait_for_selector("#nearest:not([hidden])")
    assert page.locator("#nearest").get_attribute("data-id") == "S02"
    assert axe_violations(page) == []
    screenshot(page, "public-filter-accessible")

    set_spaces(server, "S01", accessible=2, pets=2)  # a live update: S01's space has room again
    page.wait_for_function("document.querySelectorAll('.card').length === 2")
    assert shown_ids(page) == ["S01", "S02"]
    assert accessible.get_attribute("aria-pressed") == "true"
    assert page.locator("#nearest").get_attribute("data-id") == "S01"  # we stand at S01

    accessible.click()
    assert accessible.get_attribute("aria-pressed") == "false"
    assert shown_ids(page) == ["S01", "S02", "S03", "S04", "S05"]
    pets.click()
    assert shown_ids(page) == ["S01"]  # S03's pet area is full
    set_spaces(server, "S01", accessible=2)  # S01 no longer takes pets: nothing fits
    page.wait_for_selector("#filter-empty")
    assert page.locator("#nearest").get_attribute("data-id") == ""
    assert "条件に合う" in page.locator("#nearest").inner_text()
    pets.click()
    assert shown_ids(page) == ["S01", "S02", "S03", "S04", "S05"]

    pets.click()
    page.click("#language")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert pets.inner_text().endswith("Pets allowed")
    assert accessible.inner_text().endswith("Wheelchair-accessible space free")
    assert japanese_left(page, server) == []
    pets.click()
    assert '"Pets allowed" turned off' in page.locator("#announcer").inner_text()
    assert "Pets: full" in page.locator('.card[data-id="S03"]').inner_text()
    assert no_sideways_overflow(page)
    assert axe_violations(page) == [], "en"
    screenshot(page, "public-filter-en")


def add_shelters(server: Server, count: int) -> None:
    for n in range(count):
        body = {
            "id": f"W{n:02d}",
            "name": f"第{n + 1}避難所（芦北町）",
            "name_en": f"Shelter No. {n + 1}" if n % 2 else None,
            "address": "熊本県葦北郡芦北町",
            "lat": 32.2 + n * 0.01,
            "lon": 130.4 + (n % 5) * 0.02,
            "capacity": 100 + n * 10,
        }
        response = httpx.post(f"{server.base}/api/v1/shelters", json=body, headers=HQ)
        assert response.status_code == 201, response.text


def sign_in(page: Any) -> None:
    page.fill("#token", ADMIN)
    page.click("#signin-button")
    page.wait_for_selector("body.signed-in", state="attached")


def test_hq_wall_screen_fits_30_shelters_and_alerts_within_a_second_with_a_beep(
    browser: Any, tmp_path: Path
) -> None:
    """30 shelters at 1920×1080 with no scrollbar, numbers ≥ 24 px, totals that add up;
    over capacity, filling fast, a silent kiosk and a jump in care needs each raise an
    alert (the over-capacity one within 1 s) with a beep unless muted; spaces, the
    forecast and people outside per shelter, on the wall and in the table; all in English
    too."""
    database = tmp_path / "wall.db"
    with serve(database, env={"SHELTER_ADMIN_TOKEN": ADMIN}) as server:
        add_shelters(server, 25)
        kiosk = httpx.post(
            f"{server.base}/api/v1/tokens",
            json={"role": "kiosk", "shelter_id": "S02", "label": "湯浦 正面"},
            headers=HQ,
        ).json()
        beat = httpx.post(
            f"{server.base}/api/v1/tokens/me/heartbeat",
            json={"outbox": 0},
            headers={"Authorization": f"Bearer {kiosk['token']}"},
        )
        assert beat.status_code == 204, beat.text
        # Its last report 11 minutes ago: what a tablet whose battery died looks like.
        with sqlite3.connect(database) as db:
            old = (datetime.now(UTC) - timedelta(minutes=11)).strftime("%Y-%m-%d %H:%M:%S.%f")
            assert (
                db.execute(
                    "UPDATE tokens SET last_seen_at = ? WHERE last_seen_at IS NOT NULL", (old,)
                ).rowcount
                >= 1
            )
        walk_ins(server, "S03", 30)
        set_spaces(server, "S01", accessible=3, pets=5)
        set_spaces(server, "S02", accessible=2)
        check_in_household(
            server, "S02", members=[{"name": "車いす 利用者", "needs": ["wheelchair"]}]
        )
        tent = {"event_id": str(uuid.uuid4()), "shelter_id": "S03", "kind": "check_in"}
        response = httpx.post(
            f"{server.base}/api/v1/events",
            json={**tent, "pass_code": None, "headcount": 4, "stay": "tent"},
            headers=HQ,
        )
        assert response.status_code == 201, response.text

        context = browser.new_context(
            locale="ja-JP", viewport={"width": 1920, "height": 1080}, bypass_csp=True
        )
        page = context.new_page()
        page.goto(server.base + "/dashboard#wall")
        page.wait_for_selector('.status[data-state="live"]')
        sign_in(page)
        page.wait_for_selector('.alert[data-kind="silent"]')
        assert page.locator(".wall-row").count() == 30
        # A jump is measured from the breakdown read at sign-in (the live feed may send
        # its first one only after the jump: the case that used to miss it).
        page.wait_for_function("document.getElementById('needs-summary').children.length > 0")

        beeps = int(page.locator("#alerts-panel").get_attribute("data-beeps"))
        walk_ins(server, "S05", 90)  # S05 holds 80
        # Within a second on a quiet machine; speed targets live in benchmarks, not in timed
        # tests (a loaded CI host must not turn this red), so the wait here is generous.
        page.wait_for_selector('.alert[data-kind="over"][data-shelter="S05"]', timeout=10000)
        assert "定員超過 +10" in page.locator('.alert[data-kind="over"]').first.inner_text()
        page.wait_for_function(
            f"Number(document.getElementById('alerts-panel').dataset.beeps) > {beeps}"
        )

        walk_ins(server, "S01", 280)  # 0 → 280 of 300 within seconds: full within the hour
        page.wait_for_selector('.alert[data-kind="filling"][data-shelter="S01"]')
        household = httpx.post(
            f"{server.base}/api/v1/households",
            json={"members": [{"name": f"要配慮 {n}", "needs": ["elderly"]} for n in range(6)]},
        ).json()
        body = {"event_id": str(uuid.uuid4()), "shelter_id": "S04", "kind": "check_in"}
        arrived = httpx.post(
            f"{server.base}/api/v1/events",
            json={**body, "pass_code": household["pass_code"]},
            headers=HQ,
        )
        assert arrived.status_code == 201, arrived.text
        # Needs are recounted at most every few seconds (live_needs_interval_seconds): no
        # promise of one second here, unlike the over-capacity alert.
        page.wait_for_selector('.alert[data-kind="needs"][data-shelter="S04"]', timeout=15000)
        kinds = page.locator(".alert").evaluate_all("els => els.map(e => e.dataset.kind)")
        assert kinds[0] == "needs" and kinds[-1] == "silent"  # newest first

        page.click("#mute")
        beeps = int(page.locator("#alerts-panel").get_attribute("data-beeps"))
        walk_ins(server, "S02", 230)  # S02 holds 200
        page.wait_for_selector('.alert[data-kind="over"][data-shelter="S02"]', timeout=10000)
        page.wait_for_timeout(300)
        assert int(page.locator("#alerts-panel").get_attribute("data-beeps")) == beeps

        totals = {
            key: int(page.locator(f"#total-{key}").inner_text())
            for key in ("occupancy", "capacity", "vacancy", "over")
        }
        assert totals["over"] == 10 + 31  # S02: 230 and the wheelchair user, of 200
        assert totals["occupancy"] == totals["capacity"] - totals["vacancy"] + totals["over"]
        fits = page.evaluate(
            """() => ({
                scroll: [document.documentElement.scrollWidth,
                         document.documentElement.scrollHeight],
                view: [innerWidth, innerHeight],
                rowsInside: [...document.querySelectorAll('.wall-row')].every(
                    (r) => r.getBoundingClientRect().bottom <= innerHeight),
                // The small second line (spaces, forecast, outside) clear of the bar.
                extraClear: [...document.querySelectorAll('.wall-extra')]
                    .filter((e) => e.offsetParent)
                    .filter((e) => e.getBoundingClientRect().bottom - 1
                        > e.parentElement.querySelector('.wall-bar').getBoundingClientRect().top)
                    .map((e) => e.parentElement.dataset.id),
                small: [...document.querySelectorAll('[data-num], .totals dd')]
                    .filter((e) => e.offsetParent && parseFloat(getComputedStyle(e).fontSize) < 24)
                    .map((e) => e.outerHTML),
            })"""
        )
        assert fits["scroll"] == fits["view"]
        assert fits["rowsInside"] and fits["small"] == []
        extra = page.locator('.wall-row[data-id="S01"] .wall-extra').inner_text()
        assert "車いす 0/3" in extra and "ペット 0/5" in extra
        assert re.search(r"\+\d+/時", extra) and "満" in extra  # 280 in minutes: full soon
        assert "車いす 1/2" in page.locator('.wall-row[data-id="S02"] .wall-extra').inner_text()
        assert "屋外 4" in page.locator('.wall-row[data-id="S03"] .wall-extra').inner_text()
        assert page.locator('.wall-row[data-id="W00"] .wall-extra').inner_text() == ""
        assert page.locator("#total-outside").inner_text() == "4"
        screenshot(page, "hq-wall")
        assert fits["extraClear"] == []
        assert axe_violations(page) == []

        page.click("#language")
        page.wait_for_function("document.documentElement.lang === 'en'")
        assert japanese_left(page, server, data=("湯浦 正面",)) == []
        assert "over capacity by 10" in page.locator(".alert.over").last.inner_text()
        assert axe_violations(page) == [], "en"
        screenshot(page, "hq-wall-en")
        page.click("#language")

        # Out of wall mode: the table has the same spaces, forecast and people outside.
        page.click("#wall-toggle")
        s01 = page.locator('#rows tr[data-id="S01"]')
        spaces = s01.locator("td.spaces").inner_text().split()
        assert spaces == ["車いす対応", "0/3", "ペット", "0/5"]
        forecast = s01.locator("td.forecast").inner_text()
        assert re.fullmatch(r"\+\d+ 人/時 · 満員 \d\d:\d\dごろ", forecast)
        assert "車いす対応 1/2" in page.locator('#rows tr[data-id="S02"] td.spaces').inner_text()
        assert page.locator('#rows tr[data-id="S03"] td.outside').inner_text() == "4"
        assert page.locator('#rows tr[data-id="W00"] td.forecast').inner_text() == "±0 人/時"
        assert axe_violations(page) == [], "table"
        screenshot(page, "hq-table")

        # The same dashboard on a phone: nothing sideways.
        page.set_viewport_size({"width": 390, "height": 844})
        page.wait_for_timeout(300)
        assert no_sideways_overflow(page)
        assert axe_violations(page) == [], "phone"
        screenshot(page, "hq-phone")
        context.close()
