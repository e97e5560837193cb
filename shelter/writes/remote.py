"""The check-ins' writer in a process of its own, beside the event loop's.

Why: on SQLite a check-in's time is Python on two threads of one process, the event loop
(HTTP, validation, the answer's bytes) and the writer (apply, send, read the statuses),
and the two take turns at one interpreter lock (``docs/benchmarks.md``, seventh round).
Here the writer that runs the door's writes (check-ins and offline uploads, the jobs that
``make`` builds from plain values) is a process with its own interpreter, so the two run
at once, on two cores.

Nothing else changes: the process runs the same ``WritePath`` on the same database, in
groups as ``GroupWriter`` does, with the same durability (its answer is sent only after
the group's commit). What the group published comes back with the answers and is handed
to this process's publisher (the live hub) before any future is settled, so the publish
still comes before the answer. The other writes (registrations, corrections, tokens) stay
on this process's ``GroupWriter``; SQLite's ``BEGIN IMMEDIATE`` takes the two writers in
turn.

Should the process die, the requests it held get ``WriterRestarted`` (503: none of them
was acknowledged, and a resend with the same ``event_id`` is applied once) and a new one
is started.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import logging.config
import pickle
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from shelter.bootstrap import settle_heap
from shelter.config import Settings
from shelter.db import Database
from shelter.errors import ShelterError
from shelter.logs import uvicorn_config
from shelter.occupancy.schemas import ShelterStatus
from shelter.writes.path import Job, Publisher, Result, WritePath

log = logging.getLogger("shelter.writes")

T = TypeVar("T")

# A module-level function that builds the job in the writer's process from plain values.
Make = Callable[..., Job[T]]

_READY = b"ready"


class WriterRestarted(ShelterError):
    status_code = 503
    code = "writer_restarted"

    def __init__(self) -> None:
        super().__init__(
            "The service restarted its writer while this request waited; send it again "
            "(the same event_id is applied once).",
            headers={"Retry-After": "1"},
        )


@dataclass
class _Published:
    """What a group's commit handed to its publisher, carried back to this process."""

    statuses: list[ShelterStatus] = field(default_factory=list)
    needs: bool = False
    revoked: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def to(self, publisher: Publisher) -> None:
        if self.statuses:
            publisher.publish(self.statuses)
        if self.needs:
            publisher.needs_changed()
        if self.revoked:
            publisher.revoked(self.revoked)
        if self.removed:
            publisher.removed(self.removed)


class _Collector:
    """The writer process's publisher: keeps what one commit published, to send back."""

    def __init__(self) -> None:
        self._taken = _Published()

    def take(self) -> _Published:
        taken, self._taken = self._taken, _Published()
        return taken

    def publish(self, statuses: Sequence[ShelterStatus]) -> None:
        self._taken.statuses.extend(statuses)

    def needs_changed(self) -> None:
        self._taken.needs = True

    def revoked(self, token_ids: Sequence[str]) -> None:
        self._taken.revoked.extend(token_ids)

    def removed(self, shelter_ids: Sequence[str]) -> None:
        self._taken.removed.extend(shelter_ids)


def _loads(data: bytes) -> Any:
    # Only ever from the other end of this service's own socket pair: its own process.
    return pickle.loads(data)  # noqa: S301


# -- the writer's process -------------------------------------------------------------------


def main(fd: int) -> None:
    """The writer's process: its settings come first, then jobs until told to stop."""
    # Ctrl-C reaches the whole process group: the serving process stops this one in turn,
    # once what it was sent is committed and answered.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    conn = Connection(fd)
    try:
        settings, max_batch, level = _loads(conn.recv_bytes())
    except EOFError:
        return
    # The serving process's JSON lines, at its level (an error here names no person).
    logging.config.dictConfig(uvicorn_config(level))
    _serve(settings, conn, max_batch)


def _serve(settings: Settings, conn: Connection, max_batch: int) -> None:
    """The process's one loop: take what has arrived, commit it as one group, answer."""
    db = Database(settings.database_url)
    collector = _Collector()
    path = WritePath(db, settings, collector)
    settle_heap()  # as the serving process does
    conn.send_bytes(_READY)
    try:
        while True:
            try:
                first = conn.recv_bytes()
            except EOFError:  # the serving process is gone: so is anyone to answer
                return
            group = [_loads(first)]
            while len(group) < max_batch and conn.poll(0):
                group.append(_loads(conn.recv_bytes()))
            if any(item is None for item in group):
                group = [item for item in group if item is not None]
                if group:
                    _commit(path, settings, collector, conn, group)
                return
            _commit(path, settings, collector, conn, group)
    except OSError:  # the serving process is gone (its end of the pipe closed)
        return
    finally:
        db.dispose()


def _commit(
    path: WritePath,
    settings: Settings,
    collector: _Collector,
    conn: Connection,
    group: list[tuple[int, Make[Any], dict[str, Any]]],
) -> None:
    tickets: list[int] = []
    jobs: list[Job[Any]] = []
    answers: dict[int, Result[Any]] = {}
    for ticket, make, kwargs in group:
        try:
            jobs.append(make(settings, **kwargs))
            tickets.append(ticket)
        except Exception as exc:  # refused (or broken) while being made: that one alone.
            # Letting it end the process would fail every request waiting with it, and the
            # same request sent again would do so again.
            if not isinstance(exc, ShelterError):
                log.exception("a write could not be made in the writer's process")
            answers[ticket] = Result(error=exc)
    results = path.commit_group(jobs) if jobs else []
    answers.update(zip(tickets, results, strict=True))
    for ticket, result in answers.items():
        if result.error is not None and not _portable(result.error):
            answers[ticket] = Result(error=RuntimeError(type(result.error).__name__))
    message = pickle.dumps((collector.take(), answers), protocol=pickle.HIGHEST_PROTOCOL)
    conn.send_bytes(message)  # committed: a serving process gone meanwhile never hears


def _portable(error: BaseException) -> bool:
    try:
        pickle.dumps(error)
    except Exception:
        return False
    return True


# -- the serving process's side -----------------------------------------------------------


class WriterProcess:
    """Sends jobs to the writer's process and settles their futures with its answers."""

    def __init__(self, settings: Settings, publisher: Publisher, *, max_batch: int = 128) -> None:
        self._settings, self._publisher, self._max_batch = settings, publisher, max_batch
        self._tickets = itertools.count()
        self._waiting: dict[int, Future[Any]] = {}
        # Two locks: a send that waits for room in the pipe (big uploads) never holds up
        # the answers' thread, which settles the futures of the groups already committed.
        self._lock = threading.Lock()  # the connection in use, and the waiting futures
        self._sending = threading.Lock()  # one message at a time into the pipe
        self._stopping = False
        self._conn: Connection | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def up(self) -> bool:
        """Running and connected: what it is sent now will be committed."""
        return self._conn is not None and self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Start the process and wait until it can take jobs (a blocking call)."""
        mine, theirs = socket.socketpair()
        # A fresh interpreter (not multiprocessing's spawn, which imports the serving
        # program's __main__ again, nor a fork of a process with threads).
        process = subprocess.Popen(  # noqa: S603 - this interpreter, this module
            [sys.executable, "-c", f"from {__name__} import main; main({theirs.fileno()})"],
            pass_fds=[theirs.fileno()],
        )
        theirs.close()
        conn = Connection(mine.detach())
        level = logging.getLevelName(logging.getLogger().getEffectiveLevel())
        conn.send_bytes(pickle.dumps((self._settings, self._max_batch, level)))
        try:
            ready = conn.recv_bytes()
        except EOFError:
            ready = b""
        if ready != _READY:
            process.kill()
            process.wait()
            conn.close()
            raise RuntimeError("the writer's process did not start")
        self._conn, self._process = conn, process
        threading.Thread(
            target=self._read, args=(conn, process), name="shelter-writer-answers", daemon=True
        ).start()

    def stop(self) -> None:
        """Let the process finish what it was sent, then end it."""
        self._stopping = True
        with self._lock:
            conn, self._conn = self._conn, None  # nothing more is sent; what was is answered
        if conn is not None:
            with self._sending, contextlib.suppress(OSError):  # already gone
                conn.send_bytes(pickle.dumps(None))
        if self._process is not None:
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def submit(self, make: Make[T], kwargs: dict[str, Any]) -> Future[T]:
        future: Future[T] = Future()
        ticket = next(self._tickets)
        data = pickle.dumps((ticket, make, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
        with self._lock:
            conn = self._conn
            if conn is not None:
                self._waiting[ticket] = future
        if conn is None:  # between two processes
            future.set_exception(WriterRestarted())
            return future
        try:
            with self._sending:
                conn.send_bytes(data)
        except OSError:  # the process is gone (or its connection closed meanwhile)
            with self._lock:
                self._waiting.pop(ticket, None)
            restarted: Result[T] = Result(error=WriterRestarted())
            restarted.settle(future)
        return future

    def _read(self, conn: Connection, process: subprocess.Popen[bytes]) -> None:
        """The answers' thread: publish what each group changed, then settle its futures."""
        while True:
            try:
                published, answers = _loads(conn.recv_bytes())
            except (EOFError, OSError):
                break
            try:
                published.to(self._publisher)
            except Exception:  # committed either way: its callers must still hear
                log.exception("a committed group could not be published")
            with self._lock:
                settled = [(self._waiting.pop(t, None), r) for t, r in answers.items()]
            for future, result in settled:
                if future is not None:
                    result.settle(future)
        self._gone(conn, process)

    def _gone(self, conn: Connection, process: subprocess.Popen[bytes]) -> None:
        """The process ended: what it held was not answered; start another unless stopping."""
        try:
            process.wait(timeout=10)  # its exit reaped
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        with self._sending:
            conn.close()
        with self._lock:
            if self._conn is conn:
                self._conn = None
            lost, self._waiting = list(self._waiting.values()), {}
        for future in lost:
            Result(error=WriterRestarted()).settle(future)
        if not self._stopping:
            log.error("the writer's process ended; starting another")
        while not self._stopping:
            try:
                self.start()
                return
            except Exception as exc:  # the database unreachable, say: try again shortly
                log.error("the writer's process did not start (%s)", type(exc).__name__)
                time.sleep(1)
