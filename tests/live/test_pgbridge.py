"""The PostgreSQL bridge between workers (``live/pgbridge.py``), over a real LISTEN."""

from __future__ import annotations

import asyncio
import json
import uuid

import psycopg
import pytest

from shelter.bootstrap import bootstrap
from shelter.config import Settings
from shelter.db import Database
from shelter.events import service
from shelter.events.schemas import EventIn, Kind
from shelter.live import pgbridge
from shelter.live.hub import Hub
from shelter.occupancy.schemas import ShelterStatus
from shelter.writes.notify import CHANNEL
from shelter.writes.path import Unheard, WritePath
from tests.live.test_hub import status
from tests.writes.conftest import ADMIN


def test_a_worker_reads_again_only_the_changes_its_hub_does_not_hold(database_url: str) -> None:
    """A NOTIFY of this worker's own commit comes back to it: the hub already holds that
    version (published at the commit), so it is not read again; another worker's is."""
    if database_url.startswith("sqlite"):
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; SQLite runs one process")
    asked: list[list[str]] = []

    async def read_some(ids: list[str]) -> list[ShelterStatus]:
        asked.append(ids)
        return [status(sid, 9) for sid in ids]

    async def read_all() -> list[ShelterStatus]:
        return [status("S01", 5)]  # the database at connect: this worker's own commit in it

    async def notify(conn: psycopg.AsyncConnection[object], *changes: tuple[str, int]) -> None:
        for sid, version in changes:
            payload = json.dumps({"shelter_id": sid, "version": version})
            await conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))

    async def until_asked(count: int) -> None:
        for _ in range(100):
            if len(asked) >= count:
                return
            await asyncio.sleep(0.02)

    async def scenario() -> None:
        hub, connected = Hub(), asyncio.Event()
        bridge = asyncio.create_task(
            pgbridge.listen(
                database_url, hub, read_all=read_all, read_some=read_some, connected=connected
            )
        )
        try:
            await asyncio.wait_for(connected.wait(), 10)
            info = pgbridge.conninfo(database_url)
            async with await psycopg.AsyncConnection.connect(info, autocommit=True) as conn:
                await notify(conn, ("S01", 5), ("S02", 3), ("S01", 4))
                await until_asked(1)
                await asyncio.sleep(3 * pgbridge.GATHER_SECONDS)  # nothing more comes
                assert asked == [["S02"]]
                await notify(conn, ("S01", 6))  # another worker's, newer
                await until_asked(2)
            assert asked == [["S02"], ["S01"]]
            assert hub.state()["S01"].version == 9
        finally:
            bridge.cancel()

    asyncio.run(scenario())


def test_a_commit_notifies_each_changed_shelter_with_its_version_and_stores_its_trend(
    database_url: str,
) -> None:
    """The write path's NOTIFY (``writes/notify.py``) goes out in one pipeline with the
    trend updates: a listener hears every changed shelter at the version the answer shows,
    and the folded trend is stored."""
    if database_url.startswith("sqlite"):
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; SQLite runs one process")
    settings = Settings(database_url=database_url, admin_token=ADMIN)
    database = Database(settings.database_url)
    bootstrap(database, settings)
    writes = WritePath(database, settings, Unheard())
    info = pgbridge.conninfo(database_url)
    try:
        with psycopg.connect(info, autocommit=True) as listener:
            listener.execute(f"LISTEN {CHANNEL}")
            walk_ins = [
                service.check_in(
                    settings,
                    data=EventIn(
                        event_id=uuid.uuid4(),
                        shelter_id=sid,
                        kind=Kind.check_in,
                        pass_code=None,
                        headcount=2,
                    ),
                    token=ADMIN,
                )
                for sid in ("S01", "S02", "S01")
            ]
            answers = [result.unwrap().result for result in writes.commit(walk_ins)]
            heard = [json.loads(n.payload) for n in listener.notifies(timeout=1, stop_after=2)]
            [trend_seq] = listener.execute(
                "SELECT trend_seq FROM shelters WHERE id = 'S01'"
            ).fetchone() or [0]
    finally:
        database.dispose()
    versions = {answer.shelter.id: answer.shelter.version for answer in answers}
    assert sorted(heard, key=lambda p: p["shelter_id"]) == [
        {"shelter_id": "S01", "version": versions["S01"]},
        {"shelter_id": "S02", "version": versions["S02"]},
    ]
    assert trend_seq > 0, "the trend was not stored"
