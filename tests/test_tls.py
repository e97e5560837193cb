"""`shelter serve --certfile --keyfile`: HTTPS served by the service itself, live feed too."""

from __future__ import annotations

import json
import ssl
import subprocess
import uuid
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from tests.conftest import ADMIN, HQ
from tests.server import serve

pytestmark = pytest.mark.slow  # a real server process


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for a LAN-like name and the loopback address, as a town might make."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=shelter.test", "-keyout", str(key), "-out", str(cert),
            "-addext", "subjectAltName=DNS:shelter.test,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def test_the_service_serves_https_and_its_live_feed_over_tls(tmp_path: Path) -> None:
    """A check-in over HTTPS reaches a wss:// client, and the fast path still holds."""
    cert, key = self_signed(tmp_path)
    trust = ssl.create_default_context(cafile=str(cert))
    args = ["--certfile", str(cert), "--keyfile", str(key)]
    with (
        serve(tmp_path / "tls.db", env={"SHELTER_ADMIN_TOKEN": ADMIN}, args=args,
              scheme="https", verify=trust) as server,
        httpx.Client(verify=trust) as http,
        connect(f"wss://127.0.0.1:{server.port}/ws/occupancy", ssl=trust) as ws,
    ):  # fmt: skip
        assert json.loads(ws.recv(timeout=5))["type"] == "snapshot"
        body = {"event_id": str(uuid.uuid4()), "shelter_id": "S02", "kind": "check_in",
                "headcount": 2}  # fmt: skip
        answer = http.post(f"{server.base}/api/v1/events", json=body, headers=HQ)
        assert answer.status_code == 201
        update = json.loads(ws.recv(timeout=5))
        assert update["shelter"]["version"] == answer.json()["shelter"]["version"]
        assert http.get(f"{server.base}/api/v1/live/stats").json()["direct"] == 1
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            httpx.get(f"{server.base}/healthz")  # not trusted by default: a real check


def test_serve_refuses_half_a_tls_pair() -> None:
    """A certificate without its key is a mistake caught before anything starts."""
    from shelter.cli import main

    assert main(["serve", "--certfile", "cert.pem"]) == 2
