"""Live updates across workers: PostgreSQL LISTEN/NOTIFY as a signal to re-read.

Flow: the write path signals every change with ``pg_notify`` (``writes/notify.py``):
``{"shelter_id", "version"}`` for a shelter, ``{"revoked": token_id}`` for a token, sent
by PostgreSQL when, and only if, the transaction commits. Each worker keeps one listening
connection; a burst of notifications is gathered for a moment, the named shelters are
re-read from the database, and the fresh statuses go to the worker's own hub, which drops
any version it has already delivered. A shelter whose notified version the hub already
holds is not read at all: the change was this worker's own, published at its commit (or a
read already brought it). A revoked token is dropped from the hub's clients.

A NOTIFY is not stored: a listener that was away (PostgreSQL restarted, the network
dropped) may have missed some. So after every (re)connect it re-reads every shelter, and a
silent connection is probed so that a dead one is noticed and replaced. The hub's periodic
resync remains the last safety net.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable

import psycopg
from sqlalchemy.engine.url import make_url

from shelter.db import utcnow
from shelter.live.hub import Hub
from shelter.occupancy.schemas import ShelterStatus
from shelter.writes.notify import CHANNEL

log = logging.getLogger("shelter.live")

GATHER_SECONDS = 0.05
PROBE_EVERY_SECONDS = 5.0


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
                read_from = utcnow()
                hub.resync(await read_all(), read_from=read_from)  # what was missed while away
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
        changed: dict[str, int] = {}  # shelter -> the newest version notified
        revoked: set[str] = set()
        removed: set[str] = set()
        async for notify in conn.notifies(timeout=GATHER_SECONDS):
            try:
                payload = json.loads(notify.payload)
                if "revoked" in payload:
                    revoked.add(str(payload["revoked"]))
                elif "removed" in payload:
                    removed.add(str(payload["removed"]))
                else:
                    sid, version = str(payload["shelter_id"]), int(payload["version"])
                    changed[sid] = max(version, changed.get(sid, version))
            except (ValueError, KeyError, TypeError):
                log.warning("ignored a malformed notification")
        if revoked:
            hub.demote(sorted(revoked))
        if removed:
            hub.forget(sorted(removed))
        if changed:
            quiet = 0.0
            news = sorted(sid for sid, version in changed.items() if not hub.holds(sid, version))
            if news:
                hub.refresh(await read_some(news))
            continue
        quiet += GATHER_SECONDS
        if quiet >= PROBE_EVERY_SECONDS:
            quiet = 0.0
            await conn.execute("SELECT 1")  # raises if the connection died silently
