"""The live feed over real TCP sockets: dead peers and stuck readers are let go."""

from __future__ import annotations

import base64
import json
import os
import socket
import time
import uuid
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from tests.conftest import ADMIN, HQ
from tests.server import Server, serve

pytestmark = pytest.mark.slow  # real servers and stuck sockets: seconds per test


def raw_websocket(server: Server, *, rcvbuf: int | None = None) -> socket.socket:
    """A bare client that completes the handshake and then does nothing at all."""
    sock = socket.socket()
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.connect(("127.0.0.1", server.port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            "GET /ws/occupancy HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{server.port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def subscribers(server: Server) -> int:
    count: int = httpx.get(f"{server.base}/api/v1/live/stats").json()["subscribers"]
    return count


def test_a_peer_that_never_answers_pings_is_disconnected(tmp_path: Path) -> None:
    """Pings find dead peers: no pong within the timeout closes the connection."""
    env = {
        "SHELTER_WS_PING_INTERVAL_SECONDS": "0.5",
        "SHELTER_WS_PING_TIMEOUT_SECONDS": "0.5",
        "SHELTER_ADMIN_TOKEN": ADMIN,
    }
    with serve(tmp_path / "ping.db", env=env) as server:
        sock = raw_websocket(server)
        sock.settimeout(10)
        start = time.monotonic()
        while sock.recv(4096):  # the snapshot and pings arrive; we never answer
            pass
        assert time.monotonic() - start < 8
        deadline = time.monotonic() + 5
        while subscribers(server) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert subscribers(server) == 0
        sock.close()


def test_a_client_that_stops_reading_is_dropped_while_others_keep_up(tmp_path: Path) -> None:
    """A stuck reader is cut off after the send timeout; a reading client gets every change."""
    env = {"SHELTER_LIVE_SEND_TIMEOUT_SECONDS": "1", "SHELTER_ADMIN_TOKEN": ADMIN}
    with (
        serve(tmp_path / "slow.db", env=env) as server,
        httpx.Client(base_url=server.base, headers=HQ, timeout=30) as http,
    ):
        # Many shelters with long names make each round of updates weigh megabytes, enough
        # to fill the kernel's socket buffers between the server and the stuck reader.
        rows = [
            f"B{i:03d},{'避難所' * 60}{i},,{'熊本県葦北郡芦北町' * 30},32.3,130.5,100"
            for i in range(200)
        ]
        body = "ID,名称,名称_英字,所在地_連結表記,緯度,経度,想定収容人数\n" + "\n".join(rows)
        http.post(
            "/api/v1/shelters/import?open=true",
            content=body.encode(),
            headers={"Content-Type": "text/csv"},
        ).raise_for_status()
        ids = [s["id"] for s in http.get("/api/v1/shelters").json()]
        stuck = raw_websocket(server, rcvbuf=4096)
        with connect(f"ws://127.0.0.1:{server.port}/ws/occupancy") as fast:
            latest = {s["id"]: s["version"] for s in json.loads(fast.recv())["shelters"]}
            assert subscribers(server) == 2
            dropped_after = None
            for round_ in range(40):
                events = [
                    {
                        "event_id": str(uuid.uuid4()),
                        "shelter_id": sid,
                        "kind": "check_in",
                        "headcount": 1,
                    }
                    for sid in ids
                ]
                http.post("/api/v1/events/batch", json={"events": events}).raise_for_status()
                want = {s["id"]: s["version"] for s in http.get("/api/v1/shelters").json()}
                while latest != want:
                    message = json.loads(fast.recv(timeout=5))
                    latest[message["shelter"]["id"]] = message["shelter"]["version"]
                if subscribers(server) == 1:
                    dropped_after = round_
                    break
            assert dropped_after is not None, "the stuck client was never dropped"
            stuck.close()
