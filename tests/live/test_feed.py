"""/ws/occupancy end to end, in-process: snapshot, updates, auth, origin."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from shelter.app import create_app
from shelter.config import Settings
from tests.conftest import ADMIN, HQ, event, make_household


def receive(ws: Any) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(ws.receive_text())
    return message


def test_the_first_message_is_a_snapshot_of_every_shelter(client: TestClient) -> None:
    """A new client gets every shelter and the totals before anything else."""
    with client.websocket_connect("/ws/occupancy") as ws:
        snapshot = receive(ws)
    assert snapshot["type"] == "snapshot"
    assert [s["id"] for s in snapshot["shelters"]] == ["S01", "S02", "S03", "S04", "S05"]
    assert snapshot["totals"] == {
        "capacity": 900,
        "occupancy": 0,
        "vacancy": 900,
        "over": 0,
        "in_closed": 0,
    }
    assert snapshot["as_of"].endswith("Z")


def test_a_check_in_reaches_a_connected_client_as_an_update(client: TestClient) -> None:
    """After a check-in commits, every client gets the shelter's new status and totals."""
    household = make_household(client, size=3)
    with client.websocket_connect("/ws/occupancy") as ws:
        before = {s["id"]: s for s in receive(ws)["shelters"]}
        client.post(
            "/api/v1/events", json=event("S02", pass_code=household["pass_code"]), headers=HQ
        )
        update = receive(ws)
    assert update["type"] == "update"
    assert update["shelter"]["id"] == "S02"
    assert update["shelter"]["occupancy"] == 3
    assert update["shelter"]["version"] > before["S02"]["version"]
    assert update["totals"]["occupancy"] == 3


def test_a_move_updates_both_shelters(client: TestClient) -> None:
    """Checking in elsewhere publishes the shelter left and the shelter joined."""
    household = make_household(client, size=2)
    client.post("/api/v1/events", json=event("S01", pass_code=household["pass_code"]), headers=HQ)
    with client.websocket_connect("/ws/occupancy") as ws:
        receive(ws)
        client.post(
            "/api/v1/events", json=event("S03", pass_code=household["pass_code"]), headers=HQ
        )
        updates = {
            m["shelter"]["id"]: m["shelter"]["occupancy"] for m in (receive(ws), receive(ws))
        }
    assert updates == {"S01": 0, "S03": 2}


def test_a_burst_ends_on_the_newest_state(client: TestClient) -> None:
    """However a burst is merged, the last message for a shelter carries its final version."""
    households = [make_household(client, size=1) for _ in range(15)]
    with client.websocket_connect("/ws/occupancy") as ws:
        receive(ws)
        for household in households:
            client.post(
                "/api/v1/events", json=event("S04", pass_code=household["pass_code"]), headers=HQ
            )
        final = client.get("/api/v1/shelters/S04").json()
        seen = []
        while not seen or seen[-1]["version"] < final["version"]:
            seen.append(receive(ws)["shelter"])
    assert len(seen) <= 15
    assert seen[-1]["occupancy"] == 15
    assert [s["version"] for s in seen] == sorted(s["version"] for s in seen)


def test_shelter_changes_by_hq_are_published(client: TestClient) -> None:
    """Closing a shelter reaches clients too (its level becomes closed)."""
    with client.websocket_connect("/ws/occupancy") as ws:
        receive(ws)
        client.patch("/api/v1/shelters/S05", json={"open": False}, headers=HQ)
        update = receive(ws)
    assert (update["shelter"]["id"], update["shelter"]["level"]) == ("S05", "closed")


def test_hq_authenticates_with_its_first_message_and_gets_the_needs(client: TestClient) -> None:
    """No token in the URL: hq sends it over the socket and then receives needs counts."""
    household = make_household(client, size=2, needs=["wheelchair"])
    client.post("/api/v1/events", json=event("S01", pass_code=household["pass_code"]), headers=HQ)
    with client.websocket_connect("/ws/occupancy") as ws:
        receive(ws)
        ws.send_text(json.dumps({"type": "auth", "token": ADMIN}))
        kinds: dict[str, Any] = {}
        for _ in range(10):  # an update of the check-in above may come first
            message = receive(ws)
            kinds[message["type"]] = message
            if "auth" in kinds and "needs" in kinds:
                break
    assert kinds["auth"]["role"] == "hq"
    s01 = kinds["needs"]["data"]["shelters"]["S01"]
    assert (s01["households"], s01["people"], s01["pets"]) == (1, 2, 1)
    assert s01["needs"]["wheelchair"] == 2


def test_needs_count_each_person_with_a_need_once(client: TestClient) -> None:
    """with_needs: a member with two needs is one person (what HQ's jump alert watches)."""
    household = client.post(
        "/api/v1/households",
        json={
            "members": [
                {"name": "芦北 一", "needs": ["wheelchair", "elderly"]},
                {"name": "芦北 二", "needs": ["infant"]},
                {"name": "芦北 三"},
            ]
        },
    ).json()
    client.post("/api/v1/events", json=event("S02", pass_code=household["pass_code"]), headers=HQ)
    s02 = client.get("/api/v1/needs", headers=HQ).json()["shelters"]["S02"]
    assert s02["people"] == 3
    assert sum(s02["needs"].values()) == 3
    assert s02["with_needs"] == 2


def test_a_wrong_token_gets_no_needs(client: TestClient) -> None:
    """A bad token over the socket is answered role null and the feed stays public."""
    with client.websocket_connect("/ws/occupancy") as ws:
        receive(ws)
        ws.send_text(json.dumps({"type": "auth", "token": "wrong"}))
        assert receive(ws) == {"type": "auth", "role": None}


def test_a_cross_site_origin_is_refused(client: TestClient) -> None:
    """A page on another site cannot open the feed in a visitor's browser."""
    with (
        pytest.raises(WebSocketDisconnect),
        client.websocket_connect("/ws/occupancy", headers={"origin": "https://evil.example"}) as ws,
    ):
        ws.receive_text()


def test_the_services_own_origin_is_accepted(client: TestClient) -> None:
    """The service's own pages (same host) connect."""
    with client.websocket_connect("/ws/occupancy", headers={"origin": "http://testserver"}) as ws:
        assert receive(ws)["type"] == "snapshot"


def test_needs_endpoint_is_for_hq_only(client: TestClient) -> None:
    """GET /api/v1/needs: hq 200, anyone else 401/403."""
    assert client.get("/api/v1/needs", headers=HQ).status_code == 200
    assert client.get("/api/v1/needs").status_code == 401


def next_auth(ws: Any) -> dict[str, Any]:
    while True:
        message = receive(ws)
        if message["type"] == "auth":
            return message


def test_a_revoked_hq_token_on_an_open_feed_stops_hq_data_at_once(client: TestClient) -> None:
    """Signed in with an hq token made by `shelter token`, the feed is told the moment the
    token is revoked (role null), before any other request of its."""
    from shelter.auth import service as auth
    from shelter.auth.schemas import Role
    from shelter.db import Database

    db: Database = client.app.state.db  # type: ignore[attr-defined]
    with db.write() as session:
        token, secret = auth.mint(session, role=Role.hq, shelter_id=None, label="wall screen")
        token_id = token.id
    with client.websocket_connect("/ws/occupancy") as ws:
        receive(ws)
        ws.send_text(json.dumps({"type": "auth", "token": secret}))
        assert next_auth(ws)["role"] == "hq"
        assert client.delete(f"/api/v1/tokens/{token_id}", headers=HQ).status_code == 204
        assert next_auth(ws)["role"] is None


def test_wrong_tokens_on_the_feed_are_throttled_per_address(database_url: str) -> None:
    """After the address's allowance of failed sign-ins, the feed answers with retry_after
    instead of checking more tokens; the admin token that worked before still works."""
    settings = Settings(database_url=database_url, admin_token=ADMIN, rate_failed_auth="3/minute")
    with (
        TestClient(create_app(settings)) as client,
        client.websocket_connect("/ws/occupancy") as ws,
    ):
        receive(ws)
        ws.send_text(json.dumps({"type": "auth", "token": ADMIN}))
        assert next_auth(ws)["role"] == "hq"
        answers = []
        for n in range(4):
            ws.send_text(json.dumps({"type": "auth", "token": f"wrong-{n}"}))
            answers.append(next_auth(ws))
        assert [a.get("retry_after") is not None for a in answers] == [False] * 3 + [True]
        ws.send_text(json.dumps({"type": "auth", "token": ADMIN}))
        assert next_auth(ws)["role"] == "hq"
