"""The edge (edge.py): liveness and readiness, reads from memory that answer as the routes
do, request ids, and one layer in front of the app."""

from __future__ import annotations

import functools
import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from shelter import app as app_module
from shelter import edge as edge_module
from shelter.app import create_app
from shelter.config import Settings
from shelter.db import Database
from tests.conftest import HQ, event, make_household, make_token, occupancy_of

READS = ("/api/v1/shelters", "/api/v1/shelters/S01", "/api/v1/shelters/S03")


def test_healthz_is_liveness_and_readyz_asks_the_database(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/healthz answers without the database; /readyz says 503 while it does not answer."""
    assert client.get("/readyz").json() == {"status": "ready"}

    def down(db: Database) -> None:
        raise OSError("no database")

    monkeypatch.setattr(app_module, "_ping", down)
    ready = client.get("/readyz")
    assert (ready.status_code, ready.json()) == (503, {"status": "unavailable"})
    alive = client.get("/healthz")
    assert (alive.status_code, alive.json()) == (200, {"status": "ok"})
    assert alive.headers["X-Content-Type-Options"] == "nosniff"


def test_reads_from_memory_answer_as_the_routes_do(settings: Settings) -> None:
    """The same bodies and headers with the edge (from the live state) as from FastAPI's
    routes (the database), before and right after a change; an unknown shelter still gets
    the route's 404 in the error shape."""
    with (
        TestClient(create_app(settings)) as edge,
        TestClient(create_app(settings, edge=False)) as routes,
    ):
        household = make_household(edge, size=2)
        for body in (
            event("S01", pass_code=household["pass_code"]),
            event("S03", headcount=4),
        ):
            # (Occupancy came from memory before the edge too; the other app's own hub
            # would not hear of this app's changes, so only the database reads compare.)
            for path in READS:
                fast, slow = edge.get(path), routes.get(path)
                assert fast.status_code == slow.status_code == 200, path
                assert fast.json() == slow.json(), path
                assert fast.headers["content-type"] == slow.headers["content-type"], path
                # (The app without its edge has no safe headers: they are the edge's.)
                assert fast.headers["cache-control"] == "no-store", path
                assert fast.headers["x-content-type-options"] == "nosniff", path
            answered = edge.post("/api/v1/events", json=body, headers=HQ)
            assert answered.status_code == 201, answered.text
            # The answer's shelter is what the next read shows: published before answering.
            shown = edge.get(f"/api/v1/shelters/{body['shelter_id']}").json()
            assert shown == answered.json()["shelter"]
        missing = edge.get("/api/v1/shelters/NOPE")
        assert missing.status_code == 404
        assert missing.json() == routes.get("/api/v1/shelters/NOPE").json()
        assert missing.headers["X-Content-Type-Options"] == "nosniff"


def test_occupancy_etag_answers_304_from_memory(client: TestClient) -> None:
    first = client.get("/api/v1/occupancy")
    etag = first.headers["ETag"]
    unchanged = client.get("/api/v1/occupancy", headers={"If-None-Match": f'"x", {etag}'})
    assert (unchanged.status_code, unchanged.content) == (304, b"")
    assert unchanged.headers["ETag"] == etag
    client.post("/api/v1/events", json=event("S02", headcount=1), headers=HQ)
    changed = client.get("/api/v1/occupancy", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


@pytest.mark.parametrize("path", ["/healthz", "/api/v1/occupancy", "/api/v1/tokens/me"])
def test_every_answer_carries_a_request_id(client: TestClient, path: str) -> None:
    """One sent as a UUID or 32 hex digits is kept; anything else is replaced by a new one."""
    sent = uuid.uuid4().hex
    assert client.get(path, headers={"X-Request-ID": sent}).headers["X-Request-ID"] == sent
    made = client.get(path, headers={"X-Request-ID": b"not-an-id\xe9"}).headers["X-Request-ID"]
    assert made != "not-an-id" and uuid.UUID(made)
    assert uuid.UUID(client.get(path).headers["X-Request-ID"])


def test_the_served_app_has_the_edge_once_in_front(tmp_path: Path) -> None:
    """``shelter serve`` runs the edge in front of FastAPI, and FastAPI has no copy of it."""
    import os

    os.environ["SHELTER_DATABASE_URL"] = f"sqlite:///{tmp_path / 'edge.db'}"
    try:
        served = app_module.serve_app()
    finally:
        del os.environ["SHELTER_DATABASE_URL"]
    assert isinstance(served, app_module.Edge)
    inner = served.app
    assert not any(m.cls is app_module.Edge for m in inner.user_middleware)  # type: ignore[attr-defined]


def _comparable(answer: httpx.Response) -> tuple[int, Any, dict[str, str]]:
    """An answer without what differs between two equal events (their ids, a walk-in's new
    pass code, the shelter's counts as each one left them)."""
    body = answer.json()
    if answer.status_code in (200, 201):
        body = {k: v for k, v in body.items() if k not in ("event_id", "pass_code", "shelter")}
    elif isinstance(body.get("detail"), str):
        body["detail"] = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "<id>", body["detail"])
    headers = {
        name: answer.headers[name]
        for name in ("content-type", "www-authenticate", "retry-after")
        if name in answer.headers
    }
    return answer.status_code, body, headers


def _scenarios(http: TestClient, kiosk: dict[str, str]) -> dict[str, httpx.Response]:
    """Each way a posted event can go, on one app; fresh ids, so both apps can run them."""
    post = functools.partial(http.post, "/api/v1/events")
    household = make_household(http, size=2)
    first = event("S01", headcount=2)
    post(json=first, headers=HQ)
    reused = {**event("S01", headcount=2), "event_id": first["event_id"]}
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    return {
        "walk-in": post(json=event("S02", headcount=3), headers=HQ),
        "pass": post(json=event("S01", pass_code=household["pass_code"]), headers=HQ),
        "replay": post(json=first, headers=HQ),
        "reused id": post(json={**reused, "headcount": 5}, headers=HQ),
        "unknown shelter": post(json=event("NOPE", headcount=1), headers=HQ),
        "unknown pass": post(json=event("S01", pass_code="ZZZZ-ZZZZ-ZZZZ"), headers=HQ),
        "too many": post(
            json=event("S01", pass_code=household["pass_code"], headcount=9), headers=HQ
        ),
        "walk-out": post(json=event("S01", "check_out", headcount=1), headers=HQ),
        "future": post(json=event("S01", headcount=1, occurred_at=future), headers=HQ),
        "other shelter": post(json=event("S02", headcount=1), headers=kiosk),
        "wrong token": post(
            json=event("S01", headcount=1), headers={"Authorization": "Bearer not-a-token"}
        ),
    }


def test_check_ins_taken_at_the_edge_answer_as_the_route_does(settings: Settings) -> None:
    """Every outcome of a well-formed event (applied, replayed, refused for each reason)
    answers the same from the edge's own path as from FastAPI's route."""
    with (
        TestClient(create_app(settings)) as edge,
        TestClient(create_app(settings, edge=False)) as routes,
    ):
        kiosk = make_token(edge, role="kiosk", shelter_id="S01")
        fast, slow = _scenarios(edge, kiosk), _scenarios(routes, kiosk)
        for name in fast:
            assert _comparable(fast[name]) == _comparable(slow[name]), name
        assert {name: answer.status_code for name, answer in fast.items()} == {
            "walk-in": 201,
            "pass": 201,
            "replay": 200,
            "reused id": 409,
            "unknown shelter": 404,
            "unknown pass": 404,
            "too many": 422,
            "walk-out": 422,
            "future": 422,
            "other shelter": 403,
            "wrong token": 401,
        }
        assert fast["walk-in"].headers["cache-control"] == "no-store"
        assert uuid.UUID(fast["walk-in"].headers["x-request-id"])


def test_a_guesser_is_held_back_at_the_edge_as_by_the_route(settings: Settings) -> None:
    """Unknown pass codes count against the token, and the one over the limit gets the
    route's 429 with Retry-After, whichever path took them."""
    limited = settings.model_copy(update={"rate_unknown_pass": "3/minute"})
    with (
        TestClient(create_app(limited)) as edge,
        TestClient(create_app(limited, edge=False)) as routes,
    ):
        answers = {}
        for name, http in (("edge", edge), ("routes", routes)):
            guesses = [event("S01", pass_code=f"ZZZZ-ZZZZ-ZZZ{n}") for n in range(4)]
            answers[name] = [http.post("/api/v1/events", json=body, headers=HQ) for body in guesses]
        assert [a.status_code for a in answers["edge"]] == [404, 404, 404, 429]
        assert [_comparable(a) for a in answers["edge"]] == [
            _comparable(a) for a in answers["routes"]
        ]


def test_only_well_formed_check_ins_skip_the_route(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The edge takes a valid event with a bearer token and a JSON body; everything else
    goes on to FastAPI's route with the body the edge read, so its answers keep their shape."""
    taken: list[int] = []
    real = edge_module.take_event

    async def counted(*args: Any, **kwargs: Any) -> tuple[int, bytes]:
        taken.append(1)
        return await real(*args, **kwargs)

    monkeypatch.setattr(edge_module, "take_event", counted)
    post = functools.partial(client.post, "/api/v1/events")
    assert post(json=event("S01", headcount=1), headers=HQ).status_code == 201
    lower = {"Authorization": HQ["Authorization"].replace("Bearer", "bearer")}
    assert post(json=event("S01", headcount=1), headers=lower).status_code == 201
    assert len(taken) == 2

    valid, other = (json.dumps(event("S02", headcount=2)).encode() for _ in range(2))
    passed_on = {
        # +json is JSON to FastAPI: the route reads the replayed body and applies it.
        "vendor json": post(
            content=valid, headers={**HQ, "Content-Type": "application/vnd.kiosk+json"}
        ),
        "not json": post(content=valid, headers={**HQ, "Content-Type": "text/plain"}),
        "no token": post(json=event("S01", headcount=1)),
        "basic auth": post(json=event("S01", headcount=1), headers={"Authorization": "Basic x"}),
        "invalid": post(json={**event("S01"), "headcount": 0}, headers=HQ),
        "not an object": post(json=[1, 2], headers=HQ),
        "broken": post(
            content=b'{"event_id": ', headers={**HQ, "Content-Type": "application/json"}
        ),
        "query": client.post("/api/v1/events?x=1", json=event("S01", headcount=1), headers=HQ),
        "chunked": post(
            content=iter([other[:10], other[10:]]),
            headers={**HQ, "Content-Type": "application/json"},
        ),
    }
    assert taken == [1, 1]
    assert {name: answer.status_code for name, answer in passed_on.items()} == {
        "vendor json": 201,
        "not json": 422,
        "no token": 401,
        "basic auth": 401,
        "invalid": 422,
        "not an object": 422,
        "broken": 422,
        "query": 201,
        "chunked": 201,
    }
    assert passed_on["invalid"].json()["code"] == "invalid"
    assert passed_on["no token"].json()["code"] == "unauthorized"
    assert occupancy_of(client, "S02") == 4  # the vendor-json and chunked events, once each
