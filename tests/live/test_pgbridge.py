"""The PostgreSQL bridge between workers (``live/pgbridge.py``), over a real LISTEN."""

from __future__ import annotations

import asyncio
import json

import psycopg
import pytest

from shelter.live import pgbridge
from shelter.live.hub import Hub
from shelter.occupancy.schemas import ShelterStatus
from shelter.writes.notify import CHANNEL
from tests.live.test_hub import status


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
