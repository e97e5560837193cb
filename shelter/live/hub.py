"""The live fan-out: one publish path from committed changes to every websocket client.

Flow:
1. A service changes counts inside a transaction. Only after the commit does the router
   call ``Hub.publish(statuses)``, from whatever thread it runs in, so nobody is ever told
   about a change that could still roll back.
2. ``publish`` hops onto the event loop (``call_soon_threadsafe``). There the hub keeps
   the newest ``ShelterStatus`` of every shelter (by ``version``; an older one is dropped),
   and encodes each update message once, whatever the number of clients.
3. Each client has a ``Subscriber``: a dict of pending messages keyed by shelter, so a
   burst of changes to one shelter merges into its newest state, and a client's backlog is
   bounded by the number of shelters, never by the number of changes. Its own task sends
   what is pending; a send that takes longer than the timeout drops that client alone, so
   the slowest reader never sets the pace for the others.
4. New clients get a snapshot from the hub's cache (no database query per connection).
   ``refresh`` merges statuses read from the database: at start, on a timer as a safety
   net, and (with PostgreSQL and several workers) when another worker signals a change.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime

from shelter.db import utcnow
from shelter.occupancy import service as occupancy
from shelter.occupancy.schemas import Occupancy, ShelterStatus

log = logging.getLogger("shelter.live")

NEEDS_KEY = "\x00needs"  # a pending slot that never collides with a shelter id


def _iso(moment: datetime) -> str:
    return occupancy.iso_z(moment)


class Subscriber:
    """One connected client: what it has yet to receive, newest state only."""

    __slots__ = ("closed", "is_hq", "pending", "wake")

    def __init__(self) -> None:
        self.pending: dict[str, str] = {}
        self.wake = asyncio.Event()
        self.is_hq = False
        self.closed = False

    def offer(self, key: str, message: str) -> None:
        # The hub only ever offers newer states, so the last offer for a key is the newest.
        self.pending[key] = message
        self.wake.set()

    async def take(self) -> list[str]:
        await self.wake.wait()
        self.wake.clear()
        messages = list(self.pending.values())
        self.pending.clear()
        return messages


class Hub:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._state: dict[str, ShelterStatus] = {}
        self._subscribers: set[Subscriber] = set()
        self._snapshot: str | None = None
        self._occupancy: tuple[str, str] | None = None
        self._needs_message: str | None = None
        self._needs_source: Callable[[], Awaitable[str]] | None = None
        self._needs_dirty = asyncio.Event()

    # -- wiring ---------------------------------------------------------------------------

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def set_needs_source(self, source: Callable[[], Awaitable[str]]) -> None:
        """How to build the hq-only needs message (it reads the database)."""
        self._needs_source = source

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def subscribe(self, *, is_hq: bool = False) -> Subscriber:
        subscriber = Subscriber()
        subscriber.is_hq = is_hq
        self._subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        subscriber.closed = True
        self._subscribers.discard(subscriber)

    # -- the publish path -----------------------------------------------------------------

    def publish(self, statuses: Iterable[ShelterStatus]) -> None:
        """Call after commit only, from any thread."""
        batch = list(statuses)
        if not batch or self._loop is None or self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(self._apply, batch)

    def refresh(self, statuses: Iterable[ShelterStatus]) -> None:
        """Merge states read from the database; publishes only what is newer. Loop thread."""
        self._apply(list(statuses))

    def _apply(self, statuses: list[ShelterStatus]) -> None:
        fresh = []
        for status in statuses:
            known = self._state.get(status.id)
            if known is not None and known.version >= status.version:
                continue  # stale or already delivered: the highest version wins
            self._state[status.id] = status
            fresh.append(status)
        if not fresh:
            return
        self._snapshot = self._occupancy = None
        as_of, totals = _iso(utcnow()), self._totals_json()
        for status in fresh:
            message = (
                f'{{"type":"update","as_of":"{as_of}","totals":{totals},'
                f'"shelter":{status.model_dump_json()}}}'
            )
            for subscriber in self._subscribers:
                subscriber.offer(status.id, message)
        self._needs_dirty.set()

    def _totals_json(self) -> str:
        return occupancy.totals_of(list(self._state.values())).model_dump_json()

    def snapshot_message(self) -> str:
        if self._snapshot is None:
            shelters = sorted(self._state.values(), key=lambda s: s.id)
            body = ",".join(s.model_dump_json() for s in shelters)
            self._snapshot = (
                f'{{"type":"snapshot","as_of":"{_iso(utcnow())}",'
                f'"totals":{self._totals_json()},"shelters":[{body}]}}'
            )
        return self._snapshot

    def occupancy(self) -> tuple[str, str]:
        """(ETag, body) of GET /api/v1/occupancy, built once per change, not per request."""
        if self._occupancy is None:
            shelters = sorted(self._state.values(), key=lambda s: s.id)
            data = Occupancy(
                as_of=utcnow(), totals=occupancy.totals_of(shelters), shelters=shelters
            )
            self._occupancy = (occupancy.etag_of(shelters), data.model_dump_json())
        return self._occupancy

    def state(self) -> dict[str, ShelterStatus]:
        return dict(self._state)

    # -- hq's needs breakdown -------------------------------------------------------------

    def needs_message(self) -> str | None:
        return self._needs_message

    async def needs_loop(self, interval: float) -> None:
        """Recount needs after changes, at most once per ``interval``, for hq clients only."""
        while True:
            await self._needs_dirty.wait()
            self._needs_dirty.clear()
            if self._needs_source is not None and any(s.is_hq for s in self._subscribers):
                try:
                    self._needs_message = await self._needs_source()
                except Exception:
                    log.exception("needs breakdown failed")
                else:
                    for subscriber in self._subscribers:
                        if subscriber.is_hq:
                            subscriber.offer(NEEDS_KEY, self._needs_message)
            await asyncio.sleep(interval)

    def mark_needs_dirty(self) -> None:
        self._needs_dirty.set()


def dumps(payload: dict[str, object]) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
