"""The kiosk as a town deploys it: Caddy with `tls internal` in front of `shelter serve`,
reached under a LAN-like host name (shelter.test, never localhost) by a tablet that trusts
Caddy's local CA; and the same kiosk over plain HTTP, where the camera cannot start.

The topology is compose.yaml's without Docker: Debian's caddy, the same Caddyfile
(deploy/Caddyfile) with the ports and the upstream set for this machine (tests/edge.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ADMIN, HQ
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, launch, screenshot
from tests.e2e.test_kiosk import pass_video, register
from tests.edge import HOST, Edge, Missing, caddy_in_front, trusting_home
from tests.server import free_port, serve


def _or_skip(error: Missing) -> None:
    if os.environ.get("CI"):
        pytest.fail(str(error))
    pytest.skip(str(error))


@pytest.fixture
def edge(tmp_path: Path) -> Iterator[Edge]:
    port = free_port()
    env = {"SHELTER_ADMIN_TOKEN": ADMIN, "SHELTER_PUBLIC_URL": f"https://{HOST}:{port}"}
    with serve(tmp_path / "field.db", env=env) as server:
        try:
            with caddy_in_front(server, tmp_path, port) as front:
                yield front
        except Missing as error:
            _or_skip(error)


def test_a_kiosk_over_caddy_https_starts_its_camera_and_offline_shell_and_checks_in(
    playwright: Any, edge: Edge, tmp_path: Path
) -> None:
    """Under https://shelter.test (Caddy's internal CA trusted, no certificate errors
    ignored): a secure context, the service worker registers, and a camera scan of a real
    pass checks the household in, through the proxy."""
    code = register(edge.server, 3)
    png = httpx.get(f"{edge.server.base}/api/v1/passes/{code}.png").content
    video = pass_video(png, tmp_path / "pass.y4m")
    card = httpx.post(
        f"{edge.server.base}/api/v1/tokens/enrolment",
        json={"role": "kiosk", "shelter_id": "S01", "label": "front door"},
        headers=HQ,
    ).json()
    assert card["enrol_url"].startswith(f"{edge.base}/kiosk#enrol=")  # SHELTER_PUBLIC_URL
    try:
        home = trusting_home(tmp_path, edge.root_ca)
    except Missing as error:
        _or_skip(error)
        raise
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        env={**os.environ, "HOME": str(home)},
        args=[
            *CHROMIUM_ARGS,
            f"--host-resolver-rules=MAP {HOST} 127.0.0.1",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context = browser.new_context(locale="ja-JP", viewport={"width": 1024, "height": 768})
        page = context.new_page()
        page.goto(card["enrol_url"])
        page.wait_for_selector("#desk:not([hidden])")
        page.wait_for_selector('.status[data-state="live"]')
        assert page.evaluate("window.isSecureContext") is True
        assert page.evaluate("location.origin") == edge.base
        page.wait_for_function(
            "navigator.serviceWorker.getRegistration('/kiosk').then(r => !!(r && r.active))",
            timeout=15000,
        )
        page.click("#camera-toggle")
        page.wait_for_selector('#result[data-tone="ok"]', timeout=15000)
        assert "3" in page.locator("#result-title").inner_text()
        shelter = httpx.get(f"{edge.server.base}/api/v1/shelters/S01").json()
        assert shelter["occupancy"] == 3
        screenshot(page, "kiosk-over-caddy-https")
    finally:
        browser.close()


def test_over_plain_http_on_a_lan_name_the_kiosk_says_the_camera_needs_https(
    playwright: Any, tmp_path: Path
) -> None:
    """http://shelter.test is not a secure context: the kiosk says so in its own words,
    and a handheld scanner still checks people in (event ids work without randomUUID)."""
    port = free_port()
    env = {"SHELTER_ADMIN_TOKEN": ADMIN, "SHELTER_PUBLIC_URL": f"http://{HOST}:{port}"}
    with serve(tmp_path / "plain.db", env=env, port=port) as server:
        code = register(server, 2)
        card = httpx.post(
            f"{server.base}/api/v1/tokens/enrolment",
            json={"role": "kiosk", "shelter_id": "S02", "label": "side door"},
            headers=HQ,
        ).json()
        browser = launch(playwright, f"--host-resolver-rules=MAP {HOST} 127.0.0.1")
        try:
            context = browser.new_context(locale="ja-JP", viewport={"width": 1024, "height": 768})
            page = context.new_page()
            page.goto(card["enrol_url"])
            page.wait_for_selector("#desk:not([hidden])")
            assert page.evaluate("window.isSecureContext") is False
            note = page.locator("#camera-note")
            assert "HTTPS" in note.inner_text()
            page.click("#camera-toggle")
            assert "HTTPS" in note.inner_text()
            page.keyboard.type(code)
            page.keyboard.press("Enter")
            page.wait_for_selector('#result[data-tone="ok"]', timeout=15000)
            assert httpx.get(f"{server.base}/api/v1/shelters/S02").json()["occupancy"] == 2
            screenshot(page, "kiosk-plain-http-camera-note")
        finally:
            browser.close()
