"""The live feed's fast path (live/fastpath.py) is on under `shelter serve`: this is the one
test that fails loudly when an upgrade of uvicorn or websockets quietly switches it off."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
from websockets.sync.client import connect

from shelter.live.fastpath import WS_PROTOCOL
from tests.conftest import ADMIN, HQ
from tests.server import serve


def test_updates_are_framed_once_and_written_straight_to_each_socket(tmp_path: Path) -> None:
    """Under the real server both tricks are taken (direct writes, handshake let go), and
    what is written is a valid frame the websockets client reads."""
    with (
        serve(tmp_path / "direct.db", env={"SHELTER_ADMIN_TOKEN": ADMIN}) as server,
        connect(f"ws://127.0.0.1:{server.port}/ws/occupancy") as ws,
    ):
        json.loads(ws.recv(timeout=5))
        stats = httpx.get(f"{server.base}/api/v1/live/stats").json()
        assert stats == {"subscribers": 1, "direct": 1, "released": 1}, (
            f"the live fast path is OFF under uvicorn's {WS_PROTOCOL!r} protocol: {stats}. "
            "An upgrade changed the protocol objects live/fastpath.py reads; fix it there, "
            "or pin uvicorn back to the range in pyproject.toml."
        )
        body = {
            "event_id": str(uuid.uuid4()),
            "shelter_id": "S04",
            "kind": "check_in",
            "headcount": 3,
        }
        answer = httpx.post(f"{server.base}/api/v1/events", json=body, headers=HQ).json()
        update = json.loads(ws.recv(timeout=5))
        assert update["type"] == "update"
        assert update["shelter"]["id"] == "S04"
        assert update["shelter"]["version"] == answer["shelter"]["version"]
        assert update["shelter"]["occupancy"] == 3


def test_a_pass_of_several_updates_reaches_the_client_as_separate_messages(
    tmp_path: Path,
) -> None:
    """One commit that moves three shelters (an offline kiosk's upload) goes out as one
    pass, written in one go: the client still reads three update messages, one a shelter."""
    with (
        serve(tmp_path / "pass.db", env={"SHELTER_ADMIN_TOKEN": ADMIN}) as server,
        connect(f"ws://127.0.0.1:{server.port}/ws/occupancy") as ws,
    ):
        json.loads(ws.recv(timeout=5))
        events = [
            {"event_id": str(uuid.uuid4()), "shelter_id": sid, "kind": "check_in", "headcount": n}
            for sid, n in (("S01", 2), ("S02", 3), ("S03", 4))
        ]
        answer = httpx.post(
            f"{server.base}/api/v1/events/batch", json={"events": events}, headers=HQ
        )
        assert answer.status_code == 200
        updates = [json.loads(ws.recv(timeout=5)) for _ in events]
        assert sorted((u["shelter"]["id"], u["shelter"]["occupancy"]) for u in updates) == [
            ("S01", 2),
            ("S02", 3),
            ("S03", 4),
        ]
        assert {u["type"] for u in updates} == {"update"}
