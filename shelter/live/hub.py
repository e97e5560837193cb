"""The live fan-out: one publish path from committed changes to every websocket client.

Flow:
1. Every write goes through the one write path (``writes/path.py``), which reads the
   changed shelters inside the transaction and, only after the commit, calls
   ``Hub.publish(statuses)`` from its thread, so nobody is ever told about a change that
   could still roll back. The hub is that path's ``Publisher``; the app wires it in, and
   nothing below the app imports this module.
2. ``publish`` hops onto the event loop (``call_soon_threadsafe``). There the hub keeps
   the newest ``ShelterStatus`` of every shelter (by ``version``; an older one is dropped),
   encodes each update message once, whatever the number of clients, and puts it in an
   outbox keyed by shelter, where a newer state replaces one not yet sent.
3. One task, ``fanout_loop``, empties the outbox into every ``Subscriber``, yielding to the
   loop every few hundred clients. A subscriber writes at once when its client keeps up
   (the send runs eagerly, without a task); when a client's socket is full it gets a task
   of its own and a dict of pending messages keyed by shelter, so a slow client gets the
   newest state, never a backlog, and one that stays stuck past the timeout is dropped
   alone. The slowest reader never sets the pace for the others.
4. New clients get a snapshot from the hub's cache (no database query per connection).
   ``refresh`` merges statuses read from the database: at start, on a timer as a safety
   net, and (with PostgreSQL and several workers) when another worker signals a change.
   A status read on the timer may carry the same version with a newer forecast (its
   window slid on with time, ``occupancy/forecast.py``): that goes out too, so a
   forecast ages within ``live_resync_seconds`` even when nobody arrives.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine, Generator, Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from pydantic import TypeAdapter
from websockets.frames import Frame, Opcode

from shelter.db import utcnow
from shelter.occupancy import service as occupancy
from shelter.occupancy.schemas import ShelterStatus

log = logging.getLogger("shelter.live")

NEEDS_KEY = "\x00needs"  # a pending slot that never collides with a shelter id
SNAPSHOT_KEY = "\x00snapshot"
AUTH_KEY = "\x00auth"  # the answer to a client's auth message, and its revocation


_MOMENT = TypeAdapter(datetime)


def _iso(moment: datetime) -> str:
    """A moment as the schemas write it (pydantic trims trailing zeros of the
    microseconds), so a body put together here is the one the schema would make."""
    return _MOMENT.dump_json(moment).decode()[1:-1]


class _Shown(NamedTuple):
    """A shelter as the reads and the feed show it, made once at its change."""

    json: str  # its status, as the schema writes it
    tag: str  # its part of the occupancy ETag


class _Resume:
    """Finishes, inside a task, a coroutine that was already started by hand.

    ``start_eagerly`` runs a send up to its first suspension. Most sends never suspend (the
    client's socket is writable), so they finish right there: no task, no timer, no hop
    through the event loop, which is what makes fanning out to 10,000 clients cheap. Only a
    send that must wait (a client not reading) is handed to a task, through this wrapper,
    which resumes the coroutine exactly where it stopped: Python 3.12's eager tasks, by hand.
    """

    __slots__ = ("_coro", "_yielded")

    def __init__(self, coro: Coroutine[Any, Any, None], yielded: Any) -> None:
        self._coro, self._yielded = coro, yielded

    def __await__(self) -> Generator[Any, Any, None]:
        coro, yielded = self._coro, self._yielded
        while True:
            try:
                sent = yield yielded
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:  # cancellation or a timeout: into the send it goes
                try:
                    yielded = coro.throw(exc)
                except StopIteration:
                    return
            else:
                try:
                    yielded = coro.send(sent)
                except StopIteration:
                    return


def start_eagerly(coro: Coroutine[Any, Any, None]) -> _Resume | None:
    """Run ``coro`` until it finishes (None) or must wait (an awaitable that finishes it)."""
    try:
        yielded = coro.send(None)
    except StopIteration:
        return None
    return _Resume(coro, yielded)


Send = Callable[[str], Coroutine[Any, Any, None]]
Drop = Callable[[], Awaitable[None]]
# Writes an already framed message straight to the client's socket; False when it cannot
# right now (socket full, closing), and the message then takes the ordinary send.
Write = Callable[[bytes], bool]


# The most a pass writes to a client in one go (asyncio's default high-water mark).
JOIN_LIMIT = 64 * 1024


def frame_of(message: str) -> bytes:
    """A server-to-client text frame (unmasked, uncompressed), made by websockets itself."""
    return Frame(Opcode.TEXT, message.encode()).serialize(mask=False, extensions=[])


class Subscriber:
    """One connected client and what it has yet to receive, newest state only.

    A message is written at once when the client keeps up. When a send has to wait, the
    client gets one task that finishes it and then drains ``pending``: a dict keyed by
    shelter, so a burst of changes to one shelter merges into its newest state, and the
    backlog is bounded by the number of shelters, never by the number of changes. A send
    that waits longer than ``timeout`` drops this client alone.
    """

    __slots__ = (
        "_drop",
        "_holding",
        "_send",
        "_task",
        "_timeout",
        "_write",
        "closed",
        "is_hq",
        "pending",
        "seen",
        "token_id",
    )

    def __init__(
        self, send: Send, *, timeout: float, on_drop: Drop | None = None, write: Write | None = None
    ) -> None:
        self._send = send
        self._write = write
        self._timeout = timeout
        self._drop = on_drop
        self._task: asyncio.Task[None] | None = None
        self._holding = False
        self.pending: dict[str, str] = {}
        # The shelters waiting for the next pass when this client joined, as its snapshot
        # showed them (their JSON): that pass skips those still the same for it.
        self.seen: dict[str, str] | None = None
        self.is_hq = False
        self.token_id: str | None = None  # the token that made it hq, to drop on revocation
        self.closed = False

    def hold(self) -> None:
        """Queue (merged) instead of sending, until ``release``: while the snapshot goes out."""
        self._holding = True

    def release(self) -> None:
        self._holding = False
        if self.pending and self._task is None and not self.closed:
            self._task = asyncio.create_task(self._drain(None))

    @property
    def direct(self) -> bool:
        return self._write is not None

    def offer(self, key: str, message: str, frame: bytes | None = None) -> None:
        """Send ``message`` now if the client keeps up, else keep it as ``key``'s newest."""
        if self.closed:
            return
        if self._holding or self._task is not None:
            self._keep(key, message)
            return
        if self._write is not None and self._write(frame or frame_of(message)):
            return
        try:
            waiting = start_eagerly(self._send(message))
        except Exception:  # the client went away; its handler cleans up
            self.closed = True
            return
        if waiting is not None:
            self._task = asyncio.create_task(self._drain(waiting))

    def _keep(self, key: str, message: str) -> None:
        """Keep ``message`` as ``key``'s newest for the drain. The hub only offers newer
        states: the last one wins, and goes last, so the totals the client is left with
        are the newest."""
        self.pending.pop(key, None)
        self.pending[key] = message

    def offer_pass(self, batch: Sequence[tuple[str, str, bytes]], joined: bytes) -> None:
        """A fan-out pass's messages (key, text, frame), ``joined`` being every frame of it
        back to back: written to a client that keeps up in one go (one syscall, one read on
        the other end), else offered one by one as ``offer`` does."""
        if self.closed:
            return
        if self._holding or self._task is not None:
            for key, message, _ in batch:
                self._keep(key, message)
            return
        # A pass of every shelter (a resync in a surge) can be a megabyte: that goes frame
        # by frame, so a client that falls behind stops at its socket's high-water mark
        # and the rest merges in ``pending``, instead of a copy of it all per client.
        if self._write is not None and len(joined) <= JOIN_LIMIT and self._write(joined):
            return
        for key, message, frame in batch:
            self.offer(key, message, frame)

    async def _drain(self, waiting: _Resume | None) -> None:
        try:
            if waiting is not None:
                async with asyncio.timeout(self._timeout):
                    await waiting
            while self.pending and not self.closed:
                key = next(iter(self.pending))
                message = self.pending.pop(key)
                async with asyncio.timeout(self._timeout):
                    await self._send(message)
        except TimeoutError:
            log.info("live client dropped: too slow to read")
            self.closed = True
            if self._drop is not None:
                await self._drop()
        except Exception:  # the client went away; its handler cleans up
            self.closed = True
        finally:
            self._task = None


def _offer_unseen(
    subscriber: Subscriber, batch: list[tuple[str, str, bytes]], shown: dict[str, str | None]
) -> None:
    """A pass for a client that joined since the last one: without the states its snapshot
    showed already (``shown``: each shelter's JSON as this pass sends it), or it would get
    a shelter's same version twice, as if it had changed again."""
    seen, subscriber.seen = subscriber.seen or {}, None
    unseen = [m for m in batch if m[0] not in seen or seen[m[0]] != shown.get(m[0])]
    if unseen:
        subscriber.offer_pass(unseen, b"".join(frame for _, _, frame in unseen))


class Hub:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._state: dict[str, ShelterStatus] = {}
        # When this hub took each shelter's newest state (a resync compares with it).
        self._received: dict[str, datetime] = {}
        self._subscribers: set[Subscriber] = set()
        self._snapshot: str | None = None
        self._occupancy: tuple[str, str] | None = None
        # GET /api/v1/shelters and /shelters/{id} from memory (edge.py): each body made once
        # per change. ``ready`` once the state was read from the database at least once.
        self._shelters: str | None = None
        # Each shelter as shown, made once at its change: its JSON and its part of the
        # occupancy ETag.
        self._shown: dict[str, _Shown] = {}
        self.ready = False
        self._needs_message: str | None = None
        self._needs_source: Callable[[], Awaitable[str]] | None = None
        self._needs_dirty = asyncio.Event()
        # Shelters changed since the last pass, oldest change first; their messages are
        # made when the pass starts, from their newest state and the totals of that moment.
        self._outbox: dict[str, None] = {}
        self._newcomers = False  # a client joined while changes waited for a pass
        self._outbox_ready = asyncio.Event()
        # Connections since start whose handshake state was let go (router.release_handshake).
        self.released_count = 0

    # -- wiring ---------------------------------------------------------------------------

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def set_needs_source(self, source: Callable[[], Awaitable[str]]) -> None:
        """How to build the hq-only needs message (it reads the database)."""
        self._needs_source = source

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    @property
    def direct_count(self) -> int:
        """Subscribers whose messages go straight to their socket, framed once for all."""
        return sum(1 for s in self._subscribers if s.direct)

    def subscribe(
        self,
        send: Send,
        *,
        timeout: float,
        on_drop: Drop | None = None,
        write: Write | None = None,
        is_hq: bool = False,
    ) -> Subscriber:
        subscriber = Subscriber(send, timeout=timeout, on_drop=on_drop, write=write)
        subscriber.is_hq = is_hq
        # Its snapshot (made next, ``live/router.py``) already shows what waits for a pass.
        if self._outbox:
            subscriber.seen = {sid: self._shown[sid].json for sid in self._outbox}
            self._newcomers = True
        self._subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        subscriber.closed = True
        self._subscribers.discard(subscriber)

    # -- the publish path -----------------------------------------------------------------

    def publish(self, statuses: Sequence[ShelterStatus]) -> None:
        """Call after commit only, from any thread."""
        if statuses:
            self._on_loop(self._apply, list(statuses))

    def refresh(self, statuses: Iterable[ShelterStatus]) -> None:
        """Merge states read from the database; publishes only what is newer. Loop thread."""
        self._apply(list(statuses))
        self.ready = True

    def resync(self, every: Iterable[ShelterStatus], *, read_from: datetime) -> None:
        """Loop thread: ``every`` shelter the database held when a read that began at
        ``read_from`` ran: merge them, and forget any this hub still shows that is gone (a
        removal whose signal was missed). A shelter this hub heard of after the read began
        may just be newer than the read (created meanwhile), so it stays."""
        statuses = list(every)
        self._apply(statuses)
        self.ready = True
        present = {status.id for status in statuses}
        self.forget(
            [
                sid
                for sid in self._state
                if sid not in present and self._received.get(sid, read_from) < read_from
            ]
        )

    def _apply(self, statuses: list[ShelterStatus]) -> None:
        fresh = []
        for status in statuses:
            known = self._state.get(status.id)
            if known is not None and (
                known.version > status.version
                or (known.version == status.version and known.forecast == status.forecast)
            ):
                continue  # stale or already delivered: the highest version wins
            # The same version with another forecast: the counts stand still but the
            # forecast's window slid on (a resync re-read it), so it goes out again.
            self._state[status.id] = status
            self._received[status.id] = utcnow()
            fresh.append(status)
        if not fresh:
            return
        self._snapshot = self._occupancy = self._shelters = None
        for status in fresh:
            self._shown[status.id] = _Shown(status.model_dump_json(), occupancy.etag_part(status))
            self._outbox.pop(status.id, None)  # goes last: the newest change
            self._outbox[status.id] = None
        self._outbox_ready.set()
        self._needs_dirty.set()

    async def fanout_loop(self, chunk: int = 500, every: float = 0.0) -> None:
        """Send what changed to every client: one pass at a time, newest states only.

        Changes that arrive during a pass merge in the outbox and go out in the next pass,
        so a surge of check-ins costs passes, not messages per change. A pass starts at
        most once per ``every`` seconds, and no sooner after the last one ended than that
        one took: however many clients there are, fanning out takes at most half of the
        event loop's time, and the kiosks' requests keep the rest. What is published
        meanwhile goes out together, and a client that keeps up gets a pass's messages
        (the contract's one update per shelter, unchanged) in one write. Writing each
        update to each socket on its own was 70 % of the server's time on a Noto-scale day
        at a fifth (benchmarks.md, sixth round); a lone change after a quiet spell still
        goes out at once. Every ``chunk`` clients the pass yields to the event loop.
        """
        loop = asyncio.get_running_loop()
        began = ended = -1e9
        while True:
            await self._outbox_ready.wait()
            # 0 (tests): no pacing at all
            wait = began + max(every, 2 * (ended - began)) - loop.time() if every else 0
            if wait > 0:
                await asyncio.sleep(wait)  # what is published meanwhile joins this pass
            self._outbox_ready.clear()
            began = loop.time()
            batch = [(key, text, frame_of(text)) for key, text in self._updates()]
            self._outbox = {}
            if not batch:
                continue
            joined = b"".join(frame for _, _, frame in batch)
            # The states this pass sends, for clients that joined since the last one.
            shown = {key: self.shelter_json(key) for key, _, _ in batch} if self._newcomers else {}
            self._newcomers = False
            for index, subscriber in enumerate(list(self._subscribers), start=1):
                if subscriber.seen is not None:  # joined since the last pass
                    _offer_unseen(subscriber, batch, shown)
                else:
                    subscriber.offer_pass(batch, joined)
                if index % chunk == 0:
                    await asyncio.sleep(0)
            ended = loop.time()

    def _updates(self) -> list[tuple[str, str]]:
        """The outbox's update messages, in order of change, with the totals and time of
        now: whatever order a client reads them in, the last leaves it the newest totals.
        A shelter forgotten meanwhile is skipped (the snapshot already dropped it)."""
        as_of, totals = _iso(utcnow()), self._totals_json()
        return [
            (sid, f'{{"type":"update","as_of":"{as_of}","totals":{totals},"shelter":{one}}}')
            for sid in self._outbox
            if (one := self.shelter_json(sid)) is not None
        ]

    def _totals_json(self) -> str:
        return occupancy.totals_of(list(self._state.values())).model_dump_json()

    def snapshot_message(self) -> str:
        if self._snapshot is None:
            self._snapshot = (
                f'{{"type":"snapshot","as_of":"{_iso(utcnow())}",'
                f'"totals":{self._totals_json()},"shelters":{self.shelters_json()}}}'
            )
        return self._snapshot

    def occupancy(self) -> tuple[str, str]:
        """(ETag, body) of GET /api/v1/occupancy (``schemas.Occupancy``), built once per
        change, not per request, from each shelter's JSON and ETag part as kept at its
        change: with 1,300 shelters and residents polling, serialising every shelter again
        on every change was milliseconds each time."""
        if self._occupancy is None:
            etag = occupancy.etag_from(self._shown[sid].tag for sid in sorted(self._shown))
            body = (
                f'{{"as_of":"{_iso(utcnow())}","totals":{self._totals_json()},'
                f'"shelters":{self.shelters_json()}}}'
            )
            self._occupancy = (etag, body)
        return self._occupancy

    def shelters_json(self) -> str:
        """The body of GET /api/v1/shelters: every shelter's status, by id."""
        if self._shelters is None:
            self._shelters = "[" + ",".join(self._shown[s].json for s in sorted(self._shown)) + "]"
        return self._shelters

    def shelter_json(self, shelter_id: str) -> str | None:
        """The body of GET /api/v1/shelters/{id}, or None for a shelter this hub lacks."""
        shown = self._shown.get(shelter_id)
        return shown.json if shown is not None else None

    def state(self) -> dict[str, ShelterStatus]:
        return dict(self._state)

    def holds(self, shelter_id: str, version: int) -> bool:
        """Does this hub already have ``version`` of the shelter, or a newer one? (A change
        this worker committed itself was published here before its NOTIFY came back.)"""
        known = self._state.get(shelter_id)
        return known is not None and known.version >= version

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
        """Loop thread only."""
        self._needs_dirty.set()

    def needs_changed(self) -> None:
        """People's details changed (a correction, a merge, an erasure). Any thread."""
        self._on_loop(self._needs_dirty.set)

    def revoked(self, token_ids: Sequence[str]) -> None:
        """These tokens were revoked: their clients stop getting hq's data. Any thread."""
        self._on_loop(self.demote, list(token_ids))

    def demote(self, token_ids: Sequence[str]) -> None:
        """Loop thread: clients signed in with these tokens become public viewers again."""
        gone = set(token_ids)
        for subscriber in self._subscribers:
            if subscriber.is_hq and subscriber.token_id in gone:
                subscriber.is_hq = False
                subscriber.token_id = None
                subscriber.offer(AUTH_KEY, dumps({"type": "auth", "role": None}))

    def removed(self, shelter_ids: Sequence[str]) -> None:
        """These shelters were deleted (a demo list replaced). Any thread."""
        self._on_loop(self.forget, list(shelter_ids))

    def forget(self, shelter_ids: Sequence[str]) -> None:
        """Loop thread: drop the shelters, and send every client a fresh snapshot (which
        the pages take as the whole list) instead of updates for them."""
        gone = [sid for sid in shelter_ids if sid in self._state]
        if not gone:
            return
        for sid in gone:
            del self._state[sid]
            self._received.pop(sid, None)
            self._outbox.pop(sid, None)
            self._shown.pop(sid, None)
        self._snapshot = self._occupancy = self._shelters = None
        snapshot = self.snapshot_message()
        for subscriber in self._subscribers:
            for sid in gone:
                subscriber.pending.pop(sid, None)
            subscriber.offer(SNAPSHOT_KEY, snapshot)

    def _on_loop(self, callback: Callable[..., None], *args: object) -> None:
        if self._loop is None or self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(callback, *args)


def dumps(payload: dict[str, object]) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
