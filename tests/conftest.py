"""Shared fixtures: an app on a fresh SQLite file per test, and small factories."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from shelter.app import create_app
from shelter.bootstrap import migrate
from shelter.config import Settings
from shelter.db import Database

ADMIN = "test-admin-token-0123456789abcdefghij"
HQ = {"Authorization": f"Bearer {ADMIN}"}
HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[1] / "shared"
NANAO_CSV = SHARED / "data" / "nanao-2024" / "reference_data.csv"


# Set to a PostgreSQL server URL (postgresql://user@host:port) to run the suite on it:
# every test then gets a fresh database, copied from a migrated template and dropped after.
POSTGRES = os.environ.get("SHELTER_TEST_POSTGRES")


# Every test in these folders starts a browser or several server processes (seconds each):
# `make test-fast` (-m "not slow") leaves them out of the edit-test loop.
SLOW_FOLDERS = ("e2e", "scale")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if any(part in SLOW_FOLDERS for part in item.path.relative_to(HERE).parts[:-1]):
            item.add_marker(pytest.mark.slow)
    if POSTGRES:
        skip = pytest.mark.skip(reason="checks SQLite itself; this run is on PostgreSQL")
        for item in items:
            if "sqlite_only" in item.keywords:
                item.add_marker(skip)


def _pg(database: str) -> psycopg.Connection[tuple[object, ...]]:
    assert POSTGRES
    return psycopg.connect(f"{POSTGRES}/{database}", autocommit=True)


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str | None]:
    """A database migrated once, that each test's database is copied from."""
    if not POSTGRES:
        yield None
        return
    name = f"shelter_template_{uuid.uuid4().hex[:8]}"
    with _pg("postgres") as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    database = Database(f"{POSTGRES}/{name}")
    migrate(database)
    database.dispose()
    yield name
    with _pg("postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database_url(tmp_path: Path, pg_template: str | None) -> Iterator[str]:
    if pg_template is None:
        yield f"sqlite:///{tmp_path / 'shelter.db'}"
        return
    name = f"shelter_test_{uuid.uuid4().hex[:12]}"
    with _pg("postgres") as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    yield f"{POSTGRES}/{name}"
    with _pg("postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, admin_token=ADMIN)


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def db(app: FastAPI, client: TestClient) -> Database:
    """The app's database, after startup migrated and seeded it."""
    database: Database = app.state.db
    return database


def make_token(client: TestClient, *, role: str, shelter_id: str) -> dict[str, str]:
    response = client.post(
        "/api/v1/tokens", json={"role": role, "shelter_id": shelter_id, "label": "test"}, headers=HQ
    )
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def make_household(
    client: TestClient, *, size: int = 3, needs: list[str] | None = None
) -> dict[str, Any]:
    members = [
        {
            "name": f"避難 太郎{i}",
            "name_kana": "ひなん たろう",
            "birth_year": 1950 + i,
            "needs": needs or [],
        }
        for i in range(size)
    ]
    response = client.post("/api/v1/households", json={"members": members, "pets": 1})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def event(
    shelter_id: str,
    kind: str = "check_in",
    *,
    pass_code: str | None = None,
    headcount: int | None = None,
    occurred_at: str | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    return {
        "event_id": event_id or str(uuid.uuid4()),
        "shelter_id": shelter_id,
        "kind": kind,
        "pass_code": pass_code,
        "headcount": headcount,
        "occurred_at": occurred_at,
    }


def occupancy_of(client: TestClient, shelter_id: str) -> int:
    response = client.get(f"/api/v1/shelters/{shelter_id}")
    assert response.status_code == 200
    value: int = response.json()["occupancy"]
    return value
