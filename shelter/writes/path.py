"""The one commit-and-publish path.

Every write in the service is a *work*: a function that changes rows through the session
it is given and returns a ``Change`` saying which shelters it touched and how to shape its
answer. ``WritePath.commit`` runs one or more works in one transaction:

1. makes the reads the works share once for the group (``Job.ahead``: the check-ins'
   households, histories and replays), then locks the shelters the works name up front,
   in one order (``locks.py``, PostgreSQL); a group of checked works alone locks them
   only when its held count changes go out (step 2's end), so another worker's group
   waits for its last round trips, not for its work;
2. runs each work in its own savepoint, so a refusal undoes that work alone; a *checked*
   work (one that refuses only before its first write, such as a check-in) runs without
   one, and should it ever fail otherwise, the whole group is run again with savepoints;
   such a work may hold some writes back to the group's end (``behind.py``), sent before
   any other work runs and before step 3;
3. reads the statuses of the shelters the works touched (and those their answers show)
   once, inside the transaction, with the count changes folded into the touched ones'
   forecast trends: the states this commit makes true;
4. stores those trends, signals the other workers (``notify.py``: a NOTIFY that
   PostgreSQL sends on commit) and commits, one round trip for the three;
5. hands the touched statuses to the publisher (the live hub, wired in by the app), then
   shapes every work's answer from the same statuses.

So the HTTP answer and the websocket update come from one read, nothing is published that
could still roll back, and the publish comes before any answer: a client that reads
occupancy right after its answer sees its own change. Nothing here knows the live feed:
the publisher is anything with the three methods of ``Publisher``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass, replace
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from shelter import driver
from shelter.config import Settings
from shelter.db import Database
from shelter.errors import ShelterError
from shelter.occupancy import service as occupancy
from shelter.occupancy.schemas import ShelterStatus
from shelter.writes import behind, locks, notify

log = logging.getLogger("shelter.writes")

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
R = TypeVar("R")

Statuses = Mapping[str, ShelterStatus]

# deadlock_detected, serialization_failure: PostgreSQL gave up on this transaction, not on
# the request; running it again is what it asks for.
_RETRYABLE = {"40P01", "40001"}
ATTEMPTS = 5


class Publisher(Protocol):
    """Where committed changes go in this process (the live hub). Called from any thread."""

    def publish(self, statuses: Sequence[ShelterStatus]) -> None: ...

    def needs_changed(self) -> None: ...

    def revoked(self, token_ids: Sequence[str]) -> None: ...

    def removed(self, shelter_ids: Sequence[str]) -> None: ...


class Unheard:
    """A publisher for a process with no live clients (the command line). Other workers
    still hear of the change: the NOTIFY goes out with the commit."""

    def publish(self, statuses: Sequence[ShelterStatus]) -> None:
        pass

    def needs_changed(self) -> None:
        pass

    def revoked(self, token_ids: Sequence[str]) -> None:
        pass

    def removed(self, shelter_ids: Sequence[str]) -> None:
        pass


@dataclass(frozen=True, slots=True)
class Change(Generic[T_co]):
    """What a work did, told to the path that commits it."""

    # Shapes the answer from the statuses read after every work of the transaction ran.
    answer: Callable[[Statuses], T_co]
    # Shelters whose state this change moved: read, signalled to the other workers, published.
    touched: frozenset[str] = frozenset()
    # Shelters the answer shows without changing them (a replayed check-in): read only.
    shown: frozenset[str] = frozenset()
    # People's details changed: hq's needs breakdown is out of date.
    needs: bool = False
    # Tokens revoked: live clients signed in with them lose what the token gave them.
    revoked: frozenset[str] = frozenset()
    # Shelters deleted (a demo list replaced): live clients drop them.
    removed: frozenset[str] = frozenset()


def done(
    value: T,
    *,
    touched: Iterable[str] = (),
    needs: bool = False,
    revoked: Iterable[str] = (),
    removed: Iterable[str] = (),
) -> Change[T]:
    """A change whose answer is already known (it shows no shelter status)."""
    return Change(
        answer=lambda _: value,
        touched=frozenset(touched),
        needs=needs,
        revoked=frozenset(revoked),
        removed=frozenset(removed),
    )


Work = Callable[[Session], Change[T]]
# Reads made once for a whole group, before its locks: called with every job's part, it
# keeps what it read for the works (``behind.py``) and names the shelters to lock.
Ahead = Callable[[Session, list[Any]], Iterable[str | None]]


@dataclass(frozen=True, slots=True)
class Job(Generic[T]):
    """A work, and (optionally) the shelters it will change, to lock before any work runs."""

    work: Work[T]
    shelters: Callable[[Session], Iterable[str | None]] | None = None
    # The group's reads this job takes part in: (the reading function, this job's part).
    # One query for the group instead of one per request (a round trip each on PostgreSQL).
    ahead: tuple[Ahead, Any] | None = None
    # The work raises a ShelterError only before it writes anything, so a refusal needs no
    # savepoint to undo it: two statements and much of SQLAlchemy's bookkeeping saved per
    # request. Anything else it raises sends the group round again, every work isolated.
    checked: bool = False

    def then(self, shape: Callable[[T], R]) -> Job[R]:
        """This job, its answer passed through ``shape`` once shaped (in the writer)."""
        work = self.work

        def shaped(session: Session) -> Change[R]:
            change = work(session)
            answer = change.answer
            # The same change; only its answer's type differs, which replace() cannot say.
            return replace(change, answer=lambda statuses: shape(answer(statuses)))  # type: ignore[arg-type, return-value]

        return replace(self, work=shaped)  # type: ignore[arg-type, return-value]


@dataclass(frozen=True, slots=True)
class Result(Generic[T]):
    """One job's answer, or why it has none."""

    value: T | None = None
    error: BaseException | None = None

    def settle(self, future: Future[T]) -> None:
        """Hand this answer to whoever waits on ``future``; one that went away (a request
        cancelled) has nothing to hear, and nothing may stop the writer that settles it."""
        try:
            if self.error is not None:
                future.set_exception(self.error)
            else:
                future.set_result(self.value)  # type: ignore[arg-type]
        except InvalidStateError:
            log.warning("a write's answer had nowhere to go")

    def unwrap(self) -> T:
        if self.error is not None:
            raise self.error
        return self.value  # type: ignore[return-value]


def isolated(session: Session, work: Callable[[Session], R]) -> R | BaseException:
    """Run ``work`` in a savepoint of the session's transaction: what it raises undoes only
    its own changes and comes back as a value; the transaction goes on."""
    for attempt in range(2):
        try:
            with session.begin_nested():
                return work(session)
        except ShelterError as exc:
            return exc  # its savepoint is already undone
        except IntegrityError as exc:
            # A unique key another worker stored first (the same event_id sent to two
            # workers): run it once more, and it finds that row and answers from it.
            if attempt:
                log.exception("a request clashed twice on a unique key")
                return exc
        except OperationalError:
            raise  # the transaction itself is lost: the group is run again or failed
        except Exception as exc:  # a bug in one request must not sink the others
            log.exception("a request failed inside a group commit")
            return exc
    raise AssertionError("unreachable")


class _Unchecked(Exception):
    """A checked work failed in a way its check does not cover: its writes may be half
    done, so the transaction is rolled back and the group run again with savepoints."""


def _changes(raw: Any) -> int:
    """Rows changed so far on this SQLite connection (SQLite counts them for free;
    PostgreSQL has no such counter, and 0 there means "not known")."""
    return int(raw.total_changes) if raw is not None else 0


def sqlite_connection(session: Session) -> Any:
    """The SQLite driver connection, whose count of changed rows shows that a refusal
    changed nothing (``straight``); None on PostgreSQL."""
    conn = session.connection()
    return conn.connection.driver_connection if conn.dialect.name == "sqlite" else None


def _unisolated(session: Session, work: Callable[[Session], R], raw: Any) -> R | BaseException:
    """Run a checked work straight in the transaction (see ``Job.checked``), where it may
    hold writes back (``behind.py``); ``raw`` is the SQLite driver connection, to see that a
    refusal changed nothing."""
    try:
        with behind.Holding(session):
            return straight(session, work, raw)
    except (OperationalError, _Unchecked):
        raise  # the transaction itself is lost (as in ``isolated``), or must be run again
    except Exception as exc:
        raise _Unchecked from exc


def straight(session: Session, work: Callable[[Session], R], raw: Any) -> R | ShelterError:
    """Run ``work``, which refuses only before its first write, with no savepoint: its
    refusal comes back as a value, and is checked to have changed nothing. A checked work
    runs this way, and so does each event of an offline upload while that work may hold
    writes (``events/batch.py``). A refusal after a write breaks the promise: the group is
    rolled back and run again with savepoints. ``raw``: ``sqlite_connection(session)``."""
    before = (_changes(raw), behind.count(session))
    try:
        return work(session)
    except ShelterError as exc:
        if (_changes(raw), behind.count(session)) != before:
            raise _Unchecked from exc  # it broke its promise: undo it the slow way
        return exc  # refused before its first write: nothing to undo


def _send(session: Session) -> None:
    """Send the writes held back (``behind.py``)."""
    try:
        behind.flush(session)
    except IntegrityError as exc:
        # A held row clashed on a unique key with one another worker stored meanwhile (the
        # same event_id sent to two workers at once). No work can tell which was its own:
        # the group runs again with every work in a savepoint, where that one finds the
        # stored row and answers as a replay.
        raise _Unchecked from exc


def _look_ahead(session: Session, jobs: Sequence[Job[Any]]) -> list[str | None]:
    """Run each of the group's look-aheads once, with the parts of all its jobs; the
    shelters they name."""
    parts: dict[Ahead, list[Any]] = {}
    for job in jobs:
        if job.ahead is not None:
            read, part = job.ahead
            parts.setdefault(read, []).append(part)
    return [sid for read, some in parts.items() for sid in read(session, some)]


def _pgcode(exc: OperationalError) -> str | None:
    code = getattr(exc.orig, "sqlstate", None)
    return code if isinstance(code, str) else None


class WritePath:
    """Commit works and publish what they changed; see the module docstring."""

    def __init__(self, db: Database, settings: Settings, publisher: Publisher) -> None:
        self._db, self._settings, self._publisher = db, settings, publisher

    @property
    def settings(self) -> Settings:
        return self._settings

    def close(self) -> None:
        """Let go of the database (the command line, once done)."""
        self._db.dispose()

    def run(self, work: Work[T]) -> T:
        """One work in a transaction of its own; raises what the work raised."""
        result: Result[T] = self.commit([Job(work)])[0]
        return result.unwrap()

    def commit(self, jobs: Sequence[Job[Any]]) -> list[Result[Any]]:
        """Every job in one transaction; one result per job, in order.

        A refused job (a ``ShelterError``, or a bug in it) gets its error and the others
        commit. When the transaction itself fails, the whole group is run again if
        PostgreSQL asks for that (a deadlock victim), else every job's caller gets the error.
        """
        isolate, attempt = False, 1
        while True:
            try:
                return self._once(jobs, isolate=isolate)
            except _Unchecked as exc:
                # Rolled back whole; once more with every work in a savepoint, where the
                # failure is handled as any other (a unique key clash, a bug).
                log.debug("group run again with savepoints after %r", exc.__cause__)
                isolate = True
            except OperationalError as exc:
                if attempt == ATTEMPTS or _pgcode(exc) not in _RETRYABLE:
                    raise
                attempt += 1
                log.warning("group commit retried after %s", _pgcode(exc))

    def commit_group(self, jobs: Sequence[Job[Any]]) -> list[Result[Any]]:
        """``commit``, for a writer answering a group: when the commit itself fails,
        nothing was stored and every job gets that error."""
        try:
            return self.commit(jobs)
        except Exception as exc:
            log.error("group commit of %d requests failed: %s", len(jobs), type(exc).__name__)
            return [Result(error=exc) for _ in jobs]

    def _once(self, jobs: Sequence[Job[Any]], *, isolate: bool) -> list[Result[Any]]:
        outcomes: list[Change[Any] | BaseException] = []
        with self._db.write() as session:
            named = _look_ahead(session, jobs)
            # SQLite has one writer at a time: nothing to lock. A group of checked works
            # alone (check-ins, uploads) holds all its count changes to its end, so its
            # shelters are locked only when those go out (``locks.py``, "late").
            if not self._db.is_sqlite and (isolate or not all(job.checked for job in jobs)):
                named += [sid for job in jobs if job.shelters for sid in job.shelters(session)]
                locks.take(session, named, up_front=True)
            raw = sqlite_connection(session)
            for job in jobs:
                if job.checked and not isolate:
                    outcomes.append(_unisolated(session, job.work, raw))
                else:
                    _send(session)  # it reads and writes as if nothing were held
                    outcomes.append(isolated(session, job.work))
            _send(session)
            changes = [c for c in outcomes if isinstance(c, Change)]
            touched = sorted(set().union(*(c.touched for c in changes)))
            shown = set(touched).union(*(c.shown for c in changes))
            # The forecast's window travels in the shelter rows: fold this commit's count
            # changes in before the statuses are read (occupancy/forecast.py says why).
            # Their rows locked first, so no other worker's fold interleaves: already held
            # when counts moved, or when held moves went out (no round trip then); a change
            # of a shelter's details may not hold it.
            locks.take(session, touched, up_front=True)
            conn = session.connection()
            folded = occupancy.fold_and_read(conn, self._settings, touched, sorted(shown))
            statuses = {status.id: status for status in folded.statuses}
            changed = [statuses[sid] for sid in touched if sid in statuses]
            revoked = sorted(set().union(*(c.revoked for c in changes)))
            removed = sorted(set().union(*(c.removed for c in changes)))
            # One round trip on PostgreSQL for the three: the shelters' locks are let go
            # one round trip sooner, and the other worker's group waits that much less.
            with driver.pipeline(conn):
                occupancy.store_trends(conn, folded.trends)
                notify.signal(session, changed, revoked=revoked, removed=removed)
                session.commit()
        # Committed. Publish before answering (see the module docstring).
        if changed:
            self._publisher.publish(changed)
        if any(c.needs for c in changes):
            self._publisher.needs_changed()
        if revoked:
            self._publisher.revoked(revoked)
        if removed:
            self._publisher.removed(removed)
        return [self._answer(outcome, statuses) for outcome in outcomes]

    @staticmethod
    def _answer(outcome: Change[Any] | BaseException, statuses: Statuses) -> Result[Any]:
        if isinstance(outcome, BaseException):
            return Result(error=outcome)
        try:
            return Result(value=outcome.answer(statuses))
        except Exception as exc:  # committed, but this answer cannot be shaped: say so
            log.exception("an answer could not be shaped after its commit")
            return Result(error=exc)
