"""Group commit: one writer thread per process runs every write through the one path.

Why: every commit on SQLite with ``synchronous=FULL`` waits for the disk, and concurrent
writers queue on one lock (sleeping in the busy handler). At the door of a town that is
evacuating, many kiosks post at once. Here requests line up in a queue; the writer takes
whatever has arrived (up to ``max_batch``) and commits it as one group through
``WritePath.commit`` (each work in its own savepoint, one fsync for the group). Only then
is every request answered. Durability is unchanged: nobody gets an answer before the
commit that holds their change is on disk.

Routes call ``run``: it queues the work and awaits its answer without holding a thread.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlmodel import Session

from shelter.writes.path import Change, Job, WritePath
from shelter.writes.remote import Make, WriterProcess

log = logging.getLogger("shelter.writes")

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(slots=True)
class _Queued:
    job: Job[Any]
    future: Future[Any]


class GroupWriter:
    def __init__(
        self, path: WritePath, *, max_batch: int = 128, door: WriterProcess | None = None
    ) -> None:
        self._path = path
        # The door's writes (``run_made``) in a process of their own, when there is one.
        self._door = door
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[_Queued | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name="shelter-writer", daemon=True)

    def start(self) -> None:
        if self._door is not None:
            self._door.start()
        self._thread.start()

    def stop(self) -> None:
        """Finish what is queued, then end the thread (and the door's process)."""
        self._queue.put(None)
        self._thread.join(timeout=10)
        if self._door is not None:
            self._door.stop()

    @property
    def ready(self) -> bool:
        """Both writers can take work: the thread runs, and so does the door's process."""
        return self._thread.is_alive() and (self._door is None or self._door.up)

    # -- what routes call (from the event loop) -------------------------------------------

    def submit(self, job: Job[T]) -> Future[T]:
        future: Future[T] = Future()
        self._queue.put(_Queued(job, future))
        return future

    async def run_job(self, job: Job[T]) -> T:
        return await asyncio.wrap_future(self.submit(job))

    async def run_made(self, make: Make[T], /, **kwargs: Any) -> T:
        """The job ``make(settings, **kwargs)`` builds, in the next group: a check-in or an
        upload, made from plain values so that it can run in the door's writer process."""
        if self._door is not None:
            return await asyncio.wrap_future(self._door.submit(make, kwargs))
        return await self.run_job(make(self._path.settings, **kwargs))

    async def run(
        self,
        work: Callable[Concatenate[Session, P], Change[T]],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """``work(session, *args, **kwargs)`` in the next group; its answer."""

        def bound(session: Session) -> Change[T]:
            return work(session, *args, **kwargs)

        return await self.run_job(Job(bound))

    # -- the writer thread ----------------------------------------------------------------

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group = [first]
            while len(group) < self._max_batch:
                try:
                    queued = self._queue.get_nowait()
                except queue.Empty:
                    break
                if queued is None:
                    self._queue.put(None)  # stop after this group
                    break
                group.append(queued)
            # A request cancelled while it waited (its client went away, a shutdown) is
            # dropped unrun: it was never acknowledged, and a resend with the same id is
            # applied then. Once running, a future can no longer be cancelled.
            group = [q for q in group if q.future.set_running_or_notify_cancel()]
            if group:
                self._commit(group)

    def _commit(self, group: list[_Queued]) -> None:
        results = self._path.commit_group([queued.job for queued in group])
        for queued, result in zip(group, results, strict=True):
            result.settle(queued.future)
