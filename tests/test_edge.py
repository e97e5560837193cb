"""The edge (edge.py): liveness and readiness, reads from memory that answer as the routes
do, request ids, and one layer in front of the app."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shelter import app as app_module
from shelter.app import create_app
from shelter.config import Settings
from shelter.db import Database
from tests.conftest import HQ, event, make_household

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
