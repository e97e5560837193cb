"""The write path alone: how long the writer thread spends per check-in, no HTTP.

Run: .venv/bin/python bench/writer.py [--events 3200] [--postgres]

On a fresh database (SQLite in WAL with synchronous=FULL, or a fresh PostgreSQL database),
in groups of 32 as the group writer commits them under load: walk-ins (a household made
per event), check-outs of those passes, then check-ins of the same passes at the next
shelter (a pass-code scan). Prints microseconds per event for each, and the cost of one
statement through SQLAlchemy's ``Connection.execute`` against the same statement on the
driver's cursor (``shelter/driver.py`` says why the check-in path uses the latter).
This is the writer's share of a check-in; ``bench/write_path.py`` measures the whole
request over HTTP against the bare FastAPI yardstick.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import bindparam, select  # noqa: E402

from shelter import driver  # noqa: E402
from shelter.bootstrap import bootstrap  # noqa: E402
from shelter.config import Settings  # noqa: E402
from shelter.db import Database  # noqa: E402
from shelter.events import service  # noqa: E402
from shelter.events.schemas import EventIn, Kind  # noqa: E402
from shelter.occupancy.service import STATUS_COLUMNS  # noqa: E402
from shelter.tables import Shelter  # noqa: E402
from shelter.writes.path import Unheard, WritePath  # noqa: E402

TOKEN = "bench-admin-token-0123456789abcdefghij"
PG = "postgresql://postgres@127.0.0.1:5432"
GROUP = 32


def per_event(
    path: WritePath, settings: Settings, events: list[EventIn]
) -> tuple[float, list[str]]:
    """Microseconds per event, and the pass codes the answers carried."""
    started = time.perf_counter()
    codes = []
    for i in range(0, len(events), GROUP):
        jobs = [service.check_in(settings, data=e, token=TOKEN) for e in events[i : i + GROUP]]
        for result in path.commit(jobs):
            codes.append(result.unwrap().result.pass_code)
    return (time.perf_counter() - started) / len(events) * 1e6, codes


def statement_cost(db: Database, rounds: int = 5000) -> tuple[float, float]:
    """One shelter read: through SQLAlchemy Core, and on the driver's cursor (µs each)."""
    table = Shelter.__table__  # type: ignore[attr-defined]
    core = select(*STATUS_COLUMNS).where(table.c.id == bindparam("id"))
    prepared = driver.Prepared(core)
    with db.write() as session:
        conn = session.connection()
        started = time.perf_counter()
        for _ in range(rounds):
            conn.execute(core, {"id": "S01"}).first()
        through_core = (time.perf_counter() - started) / rounds * 1e6
        started = time.perf_counter()
        for _ in range(rounds):
            driver.one(conn, prepared, {"id": "S01"})
        on_driver = (time.perf_counter() - started) / rounds * 1e6
    return through_core, on_driver


def run(url: str, events: int) -> None:
    settings = Settings(database_url=url, admin_token=TOKEN)
    db = Database(settings.database_url)
    bootstrap(db, settings)
    path = WritePath(db, settings, Unheard())
    walk_ins = [
        EventIn(
            event_id=uuid.uuid4(),
            shelter_id=f"S0{1 + i % 5}",
            kind=Kind.check_in,
            headcount=1 + i % 4,
        )
        for i in range(events)
    ]
    walk_in_us, codes = per_event(path, settings, walk_ins)
    outs = [
        EventIn(
            event_id=uuid.uuid4(), shelter_id=f"S0{1 + i % 5}", kind=Kind.check_out, pass_code=c
        )
        for i, c in enumerate(codes)
    ]
    out_us, _ = per_event(path, settings, outs)
    ins = [
        EventIn(
            event_id=uuid.uuid4(),
            shelter_id=f"S0{1 + (i + 1) % 5}",
            kind=Kind.check_in,
            pass_code=c,
        )
        for i, c in enumerate(codes)
    ]
    in_us, _ = per_event(path, settings, ins)
    core, raw = statement_cost(db)
    db.dispose()
    print(f"{db.engine.dialect.name}, {events} events per kind, groups of {GROUP}:")
    print(f"  walk-in {walk_in_us:.0f} µs/event, check-out {out_us:.0f}, pass check-in {in_us:.0f}")
    print(f"  one shelter read: {core:.0f} µs through Core, {raw:.0f} µs on the driver's cursor")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=3200)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    if not args.postgres:
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite:///{tmp}/writer.db", args.events)
        return 0
    name = f"shelter_writer_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        run(f"{PG}/{name}", args.events)
    finally:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
