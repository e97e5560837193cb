"""Live updates across workers: PostgreSQL LISTEN/NOTIFY as a signal to re-read.

Flow: every transaction that changes a shelter also runs ``pg_notify`` with only
``{"shelter_id", "version"}`` (delivered by PostgreSQL when, and only if, it commits).
Each worker keeps one listening connection; a burst of notifications is gathered for a
moment, the named shelters are re-read from the database, and the fresh statuses go to the
worker's own hub, which drops any version it has already delivered.

A NOTIFY is not stored: a listener that was away (PostgreSQL restarted, the network
dropped) may have missed some. So after every (re)connect it re-reads every shelter, and a
silent connection is probed so that a dead one is noticed and replaced. The hub's periodic
resync remains the last safety net.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Iterable

import psycopg
from sqlalchemy import text
from sqlalchemy.engine.url import make_url
from sqlmodel import Session

from shelter.live.hub import Hub
from shelter.occupancy.schemas import ShelterStatus

log = logging.getLogger("shelter.live")

CHANNEL = "shelter_changes"
GATHER_SECONDS = 0.05
PROBE_EVERY_SECONDS = 5.0
_NOTIFY = text("SELECT pg_notify(:channel, :payload)")


def signal(session: Session, statuses: Iterable[ShelterStatus]) -> None:
    """Tell every worker these shelters changed; delivered on commit. No-op on SQLite."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return
    for status in statuses:
        payload = json.dumps({"shelter_id": status.id, "version": status.version})
        connection.execute(_NOTIFY, {"channel": CHANNEL, "payload": payload})


def conninfo(sqlalchemy_url: str) -> str:
    return (
        make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)
    )


async def listen(
    url: str,
    hub: Hub,
    *,
    read_all: Callable[[], Awaitable[list[ShelterStatus]]],
    read_some: Callable[[list[str]], Awaitable[list[ShelterStatus]]],
    connected: asyncio.Event | None = None,
) -> None:
    """Run until cancelled: keep a LISTEN connection up and feed the hub from it."""
    backoff = 0.2
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(
                conninfo(url), autocommit=True
            ) as conn:
                await conn.execute(f"LISTEN {CHANNEL}")
                hub.refresh(await read_all())  # whatever was missed while away
                backoff = 0.2
                if connected is not None:
                    connected.set()
                await _follow(conn, hub, read_some)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if connected is not None:
                connected.clear()
            log.warning("live listener lost PostgreSQL (%s); reconnecting", type(exc).__name__)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)


async def _follow(
    conn: psycopg.AsyncConnection[tuple[object, ...]],
    hub: Hub,
    read_some: Callable[[list[str]], Awaitable[list[ShelterStatus]]],
) -> None:
    quiet = 0.0
    while True:
        changed: set[str] = set()
        async for notify in conn.notifies(timeout=GATHER_SECONDS):
            try:
                changed.add(str(json.loads(notify.payload)["shelter_id"]))
            except (ValueError, KeyError, TypeError):
                log.warning("ignored a malformed notification")
        if changed:
            quiet = 0.0
            hub.refresh(await read_some(sorted(changed)))
            continue
        quiet += GATHER_SECONDS
        if quiet >= PROBE_EVERY_SECONDS:
            quiet = 0.0
            await conn.execute("SELECT 1")  # raises if the connection died silently
