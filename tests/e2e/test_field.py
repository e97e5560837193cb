"""The kiosk as a town deploys it: Caddy with `tls internal` in front of `shelter serve`,
reached under a LAN-like host name (shelter.test, never localhost) by a tablet that trusts
Caddy's local CA; and the same kiosk over plain HTTP, where the camera cannot start.

The topology is compose.yaml's without Docker: Debian's caddy, the same Caddyfile
(deploy/Caddyfile) with the ports and the upstream set for this machine.
"""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ADMIN, HQ
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, launch, screenshot
from tests.e2e.test_kiosk import pass_video, register
from tests.server import Server, free_port, serve

HOST = "shelter.test"
CADDYFILE = Path(__file__).resolve().parents[2] / "deploy" / "Caddyfile"


@dataclass
class Edge:
    """Caddy in front of the service: where a tablet reaches it, and the CA it trusts."""

    base: str
    port: int
    root_ca: Path
    server: Server


def _need(tool: str, package: str) -> None:
    if shutil.which(tool) is None:
        message = f"{tool} is not installed: `sudo apt-get install {package}` to run this"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def _answers_over_tls(port: int, root_ca: Path) -> bool:
    """A TLS handshake for shelter.test that verifies against Caddy's root, then /healthz."""
    context = ssl.create_default_context(cafile=str(root_ca))
    try:
        with (
            socket.create_connection(("127.0.0.1", port), timeout=2) as raw,
            context.wrap_socket(raw, server_hostname=HOST) as tls,
        ):
            tls.sendall(
                f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode()
            )
            return tls.recv(64).startswith(b"HTTP/1.1 200")
    except (OSError, ssl.SSLError):
        return False


@pytest.fixture
def edge(tmp_path: Path) -> Iterator[Edge]:
    _need("caddy", "caddy")
    port = free_port()
    public = f"https://{HOST}:{port}"
    env = {"SHELTER_ADMIN_TOKEN": ADMIN, "SHELTER_PUBLIC_URL": public}
    with serve(tmp_path / "field.db", env=env) as server:
        home = tmp_path / "caddy"
        caddy_env = {
            **os.environ,
            "HOME": str(home),
            "XDG_DATA_HOME": str(home / "data"),
            "XDG_CONFIG_HOME": str(home / "config"),
            "SHELTER_SITE": f"{HOST}:{port}",
            "SHELTER_TLS": "internal",
            "SHELTER_UPSTREAM": f"127.0.0.1:{server.port}",
            "CADDY_HTTP_PORT": str(free_port()),
            "CADDY_ADMIN": f"127.0.0.1:{free_port()}",
        }
        log = tmp_path / "caddy.log"
        errors = log.open("w")
        caddy = subprocess.Popen(
            ["caddy", "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
            env=caddy_env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        root_ca = home / "data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"
        try:
            deadline = time.monotonic() + 30
            while not (root_ca.exists() and _answers_over_tls(port, root_ca)):
                if caddy.poll() is not None or time.monotonic() > deadline:
                    caddy.kill()
                    caddy.wait()
                    raise RuntimeError(f"caddy did not start: {log.read_text()[-2000:]}")
                time.sleep(0.2)
            yield Edge(base=public, port=port, root_ca=root_ca, server=server)
        finally:
            caddy.terminate()
            caddy.wait(timeout=10)
            errors.close()


def tablet_home(tmp_path: Path, root_ca: Path) -> Path:
    """A home folder whose NSS database trusts Caddy's root, as a tablet that installed it."""
    _need("certutil", "libnss3-tools")
    home = tmp_path / "tablet"
    nssdb = home / ".pki" / "nssdb"
    nssdb.mkdir(parents=True)
    subprocess.run(["certutil", "-d", f"sql:{nssdb}", "-N", "--empty-password"], check=True)
    subprocess.run(
        ["certutil", "-d", f"sql:{nssdb}", "-A", "-t", "C,,", "-n", "caddy-local", "-i",
         str(root_ca)],
        check=True,
    )  # fmt: skip
    return home


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
    home = tablet_home(tmp_path, edge.root_ca)
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
