"""Group commit: one writer thread applies check-ins in shared transactions.

Why: every commit on SQLite with ``synchronous=FULL`` waits for the disk, and concurrent
writers queue on one lock (sleeping in the busy handler). At the door of a town that is
evacuating, many kiosks post at once. Here requests line up in a queue; the writer takes
whatever has arrived (up to ``max_batch``), applies each event in its own savepoint (so one
refusal never touches another), commits once, and only then answers every request and
publishes the changed shelters. Durability is unchanged: nobody gets an answer before the
commit that holds their event is on disk.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from shelter.auth import service as auth
from shelter.config import Settings
from shelter.db import Database
from shelter.errors import ShelterError
from shelter.events import service
from shelter.events.schemas import BatchResult, EventIn
from shelter.live import pgbridge
from shelter.live.hub import Hub
from shelter.occupancy import service as occupancy
from shelter.tables import Shelter

log = logging.getLogger("shelter.events")

_S = Shelter.__table__  # type: ignore[attr-defined]
_LOCK_SHELTERS = (
    select(_S.c.id)
    .where(_S.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(_S.c.id)
    .with_for_update()
)

# deadlock_detected, serialization_failure
_RETRYABLE = {"40P01", "40001"}
_ATTEMPTS = 5


def _pgcode(exc: OperationalError) -> str | None:
    code = getattr(exc.orig, "sqlstate", None)
    return code if isinstance(code, str) else None


Work = Callable[[Session], tuple[Any, list[str]]]


@dataclass
class _Job:
    work: Work
    shelters: list[str]  # the shelters it names, to lock in one order up front
    future: Future[Any] = field(default_factory=Future)


class GroupWriter:
    def __init__(self, db: Database, settings: Settings, hub: Hub, *, max_batch: int = 128):
        self._db, self._settings, self._hub = db, settings, hub
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="shelter-writer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=10)

    # -- what routes call (from the event loop) -------------------------------------------

    def _principal(self, session: Session, token: str) -> auth.Principal:
        # Checked inside the write transaction: a token revoked a moment ago is refused.
        return auth.authenticate(session, secret=token, admin_token=self._settings.admin_token)

    def event(self, data: EventIn, token: str) -> Future[service.Outcome]:
        def work(session: Session) -> tuple[service.Outcome, list[str]]:
            principal = self._principal(session, token)
            outcome = service.apply_isolated(
                session, self._settings, data=data, principal=principal
            )
            return outcome, outcome.touched

        return self._submit(work, [data.shelter_id])

    def batch(self, raw: list[object], token: str) -> Future[BatchResult]:
        def work(session: Session) -> tuple[BatchResult, list[str]]:
            principal = self._principal(session, token)
            return service.apply_batch(session, self._settings, raw=raw, principal=principal)

        named = [e["shelter_id"] for e in raw if isinstance(e, dict) and "shelter_id" in e]
        return self._submit(work, [s for s in named if isinstance(s, str)])

    def _submit(self, work: Work, shelters: list[str]) -> Future[Any]:
        job = _Job(work, shelters)
        self._queue.put(job)
        return job.future

    # -- the writer thread ----------------------------------------------------------------

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            jobs = [first]
            while len(jobs) < self._max_batch:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    self._queue.put(None)  # stop after this group
                    break
                jobs.append(job)
            self._commit_group(jobs)

    def _commit_group(self, jobs: list[_Job]) -> None:
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                self._try_group(jobs)
                return
            except OperationalError as exc:
                # PostgreSQL may pick this group as a deadlock victim when another worker
                # updates the same shelters in another order: run it again, whole.
                if attempt == _ATTEMPTS or _pgcode(exc) not in _RETRYABLE:
                    self._fail(jobs, exc)
                    return
                log.warning("group commit retried after %s", _pgcode(exc))
            except BaseException as exc:  # the commit itself failed: nobody was stored
                self._fail(jobs, exc)
                return

    def _fail(self, jobs: list[_Job], exc: BaseException) -> None:
        log.error("group commit of %d requests failed: %s", len(jobs), type(exc).__name__)
        for job in jobs:
            job.future.set_exception(exc)

    def _try_group(self, jobs: list[_Job]) -> None:
        results: list[tuple[_Job, Any, BaseException | None]] = []
        touched: set[str] = set()
        with self._db.write() as session:
            if not self._db.is_sqlite:
                # Workers lock the shelters they will count in one (sorted) order, so two
                # groups never wait on each other in a circle (a deadlock costs a second).
                named = sorted({sid for job in jobs for sid in job.shelters})
                session.connection().execute(_LOCK_SHELTERS, {"ids": named})
            for job in jobs:
                try:
                    value, changed = job.work(session)
                except ShelterError as exc:
                    results.append((job, None, exc))  # its savepoint is already undone
                except OperationalError:
                    raise  # the transaction itself is lost: the group is retried or failed
                except Exception as exc:  # a bug in one request must not sink the others
                    log.exception("a request failed inside a group commit")
                    results.append((job, None, exc))
                else:
                    results.append((job, value, None))
                    touched.update(changed)
            # Read inside the transaction: the states this commit makes true.
            changed_statuses = occupancy.statuses_by_id(
                session.connection(), self._settings, sorted(touched)
            )
            pgbridge.signal(session, changed_statuses)
        # Publish first: the hub's update is then queued on the event loop before any
        # answer, so a client that reads occupancy after its answer sees its own change.
        if changed_statuses:
            self._hub.publish(changed_statuses)
        for job, value, error in results:
            if error is not None:
                job.future.set_exception(error)
            else:
                job.future.set_result(value)
