"""Start-up, the embedded database's settings, and the service as a real process."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import httpx
import pytest
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlalchemy import text

from shelter.app import create_app
from shelter.bootstrap import alembic_config
from shelter.config import Settings
from shelter.db import Database
from tests.server import serve


def test_healthz_says_ok_while_the_process_serves(client: TestClient) -> None:
    """GET /healthz is 200 {"status": "ok"} (liveness; readiness is /readyz: test_edge.py)."""
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_openapi_and_docs_are_served(client: TestClient) -> None:
    """The whole API is published at /openapi.json, with /docs for people."""
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/shelters",
        "/api/v1/events",
        "/api/v1/events/batch",
        "/api/v1/households",
        "/api/v1/passes/{pass_code}.png",
        "/api/v1/occupancy",
        "/api/v1/occupancy.csv",
        "/api/v1/tokens",
        "/api/v1/shelters/import",
        "/api/v1/shelters/{shelter_id}/roster",
    ):
        assert path in paths
    assert client.get("/docs").status_code == 200


@pytest.mark.sqlite_only
def test_sqlite_runs_in_wal_with_full_sync_and_a_busy_timeout(db: Database) -> None:
    """Acknowledged commits survive power loss: WAL plus synchronous=FULL."""
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30000
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


@pytest.mark.sqlite_only
def test_write_transactions_take_the_write_lock_up_front(db: Database, settings: Settings) -> None:
    """A writer's transaction is BEGIN IMMEDIATE: another writer is locked out at once."""
    path = settings.database_url.removeprefix("sqlite:///")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    with db.writer() as session, session.begin():
        session.execute(text("SELECT 1"))  # a read only: deferred BEGIN would not lock yet
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")
    other.close()


@pytest.mark.sqlite_only
def test_readers_do_not_take_the_write_lock(db: Database, settings: Settings) -> None:
    """Reads use a deferred BEGIN and never block a writer."""
    path = settings.database_url.removeprefix("sqlite:///")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    with db.reader() as session, session.begin():
        session.execute(text("SELECT count(*) FROM shelters"))
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    other.close()


def test_the_schema_is_at_the_newest_alembic_revision(db: Database) -> None:
    """Start-up migrated the database to head."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == head


def test_a_second_start_does_not_seed_again(settings: Settings) -> None:
    """Restarting on the same database keeps the shelters it has, once each."""
    for _ in range(2):
        with TestClient(create_app(settings)) as client:
            assert len(client.get("/api/v1/shelters").json()) == 5


def test_seeding_can_be_turned_off(tmp_path: Path) -> None:
    """SHELTER_SEED=false starts with no shelters (for a prefecture that imports its own)."""
    config = Settings(
        database_url=f"sqlite:///{tmp_path / 'empty.db'}",
        admin_token="unit-test-admin-token-0123456789abcdef",
        seed=False,
    )
    with TestClient(create_app(config)) as client:
        assert client.get("/api/v1/shelters").json() == []


def test_shelter_serve_runs_the_service_as_a_real_process(tmp_path: Path) -> None:
    """`shelter serve` migrates, seeds, prints the admin token once, and serves over HTTP."""
    with serve(tmp_path / "served.db", args=["--log-level", "info"]) as server:
        assert len(httpx.get(f"{server.base}/api/v1/shelters").json()) == 5
    token = re.search(r"\b(sh_[A-Za-z0-9_-]{40,})", server.stderr)
    assert token, server.stderr
    assert f"{server.base}/docs" in server.stderr
    # The printed token is a working hq token on that database.
    config = Settings(database_url=f"sqlite:///{tmp_path / 'served.db'}", admin_token=None)
    with TestClient(create_app(config)) as client:
        response = client.post(
            "/api/v1/tokens",
            json={"role": "kiosk", "shelter_id": "S01"},
            headers={"Authorization": f"Bearer {token.group(1)}"},
        )
        assert response.status_code == 201


def test_the_event_log_refuses_updates_and_deletes(client: TestClient, db: Database) -> None:
    """Append-only is enforced by the database itself, not only by the code."""
    from sqlalchemy.exc import DatabaseError

    from tests.conftest import HQ, event

    client.post("/api/v1/events", json=event("S01", headcount=2), headers=HQ)
    for statement in ("UPDATE events SET people = 99", "DELETE FROM events"):
        with pytest.raises(DatabaseError, match="append-only"), db.write() as session:
            session.execute(text(statement))
    with db.reader() as session:
        assert session.execute(text("SELECT people FROM events")).scalars().all() == [2]
