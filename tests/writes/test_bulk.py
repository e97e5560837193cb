"""Many rows in one statement (``driver.Bulk``): on PostgreSQL one ``unnest`` of one array
per column, on SQLite the row-wise statement through ``executemany``. Both store the same
rows, in the order given. And PostgreSQL plans each execution with its values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from shelter import driver
from shelter.config import Settings
from shelter.db import Database
from shelter.events import statements as sql
from shelter.events.schemas import Kind
from shelter.tables import CountChange
from shelter.writes.path import WritePath
from tests.writes.test_held import agrees_with_the_log, event, scan

_C = CountChange.__table__  # type: ignore[attr-defined]
CHANGES = sql.INSERT_CHANGE  # a correction's count changes: any number of rows
_FIELDS = CHANGES.columns


def test_many_rows_go_in_one_statement_and_are_stored_in_order(
    path: tuple[WritePath, Database, Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, database, _ = path
    at = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
    rows = [
        {
            "event_seq": None,
            "shelter_id": sid,
            "delta": delta,
            "accessible_delta": 0,
            "pets_delta": s,
            "outside_delta": 0,
            "occurred_at": at + timedelta(seconds=s),
        }
        for s, (sid, delta) in enumerate([("S03", 2), ("S01", -1), ("S03", 5), ("S02", 0)])
    ]
    sent: list[str] = []
    real = driver._execute

    def execute(conn: Any, compiled: Any, params: Any) -> Any:
        sent.append(compiled.sql)
        return real(conn, compiled, params)

    monkeypatch.setattr(driver, "_execute", execute)
    with database.write() as session:
        driver.run_many(session.connection(), CHANGES, rows)
    with database.engine.connect() as conn:
        found = conn.execute(select(*(_C.c[name] for name in _FIELDS)).order_by(_C.c.id))
        stored = [row._asdict() for row in found]
    assert stored == rows  # in the order given, moments aware and exact, None kept
    assert len(sent) == (0 if database.is_sqlite else 1)  # SQLite: executemany, in C


def test_a_group_of_walk_ins_stores_its_households_events_and_changes_once(
    path: tuple[WritePath, Database, Settings],
) -> None:
    """The held statements of a group (households, events, their count changes by event
    id) through the bulk forms: each row once, each change pointing at its own event."""
    writes, database, settings = path

    group = [scan(settings, event(f"S0{1 + i % 3}", Kind.check_in, people=1 + i)) for i in range(6)]
    assert all(result.error is None for result in writes.commit(group))
    with database.engine.connect() as conn:
        linked = conn.execute(
            text(
                "SELECT count(*) FROM count_changes c JOIN events e ON e.seq = c.event_seq"
                " WHERE c.delta = e.people AND c.shelter_id = e.shelter_id"
            )
        ).scalar()
        households = conn.execute(text("SELECT count(*) FROM households")).scalar()
    assert linked == 6
    assert households == 6
    assert agrees_with_the_log(database)
    assert sql.INSERT_EVENTS.columns == sql.EVENT_FIELDS


def test_postgresql_plans_each_execution_with_its_values(
    path: tuple[WritePath, Database, Settings],
) -> None:
    """A generic plan made while a table is small reads the whole table for ever after:
    every connection asks for a plan per execution, and keeps asking after a rollback."""
    _, database, _ = path
    if database.is_sqlite:
        pytest.skip("PostgreSQL's plan cache")
    for _ in range(2):
        with database.engine.connect() as conn:
            assert conn.execute(text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
            conn.rollback()
