"""Writes held back until the group's end: one statement per group instead of one per request.

Why: a check-in moves counts, a household's presence and the count-change log, and on
PostgreSQL each of those statements is a round trip the writer waits for (about ten per
check-in before this), while the shelter rows stay locked. Held back, they go out at the
end of the group as one ``executemany`` each (psycopg sends those in one pipeline; SQLite
runs them without a Python round per row), and the counts of a shelter as one update.

Only a *checked* work running straight in the transaction may hold writes back
(``path.py``, ``Job.checked``): it refuses before its first write, so nothing held back
ever needs undoing by itself, and a failure rolls the whole transaction back with what
was held. A work run in a savepoint writes through, since the savepoint could not undo a
held write. The path flushes what is held before any other work runs and before it reads
the statuses, so everything else in the transaction sees the database as if nothing had
waited. What holds the writes (``events/pending.py``) also answers the reads the held
work would change, so a later check-in in the same group sees the earlier ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from sqlmodel import Session

_HELD = "held_writes"
_OPEN = "may_hold_writes"


class Held(Protocol):
    def flush(self, session: Session) -> None:
        """Send every held write, in the session's transaction (never in a savepoint);
        forget what was held and every row read."""

    def waiting(self) -> int:
        """How many writes are held (0: nothing to undo, nothing to send). A method, not
        ``__len__``: a holder with nothing waiting must still be truthy where it is given."""


H = TypeVar("H", bound=Held)


def may_hold(session: Session) -> bool:
    """Is the work now running one that may hold writes back?"""
    return bool(session.info.get(_OPEN))


def held(session: Session, kind: type[H], make: Callable[[], H]) -> H:
    """This transaction's holder of ``kind``, made on first use."""
    holders: dict[type[Held], Held] = session.info.setdefault(_HELD, {})
    found = holders.get(kind)
    if found is None:
        found = holders[kind] = make()
    assert isinstance(found, kind)
    return found


def count(session: Session) -> int:
    holders: dict[type[Held], Held] = session.info.get(_HELD, {})
    return sum(holder.waiting() for holder in holders.values())


def flush(session: Session) -> None:
    """Send what is held, and drop what the holders remember of the rows (the path calls
    this before other works run, which may change those rows, and before its read)."""
    holders: dict[type[Held], Held] = session.info.get(_HELD, {})
    for holder in holders.values():
        holder.flush(session)


class Holding:
    """While a checked work runs straight in the transaction, it may hold writes back."""

    def __init__(self, session: Session) -> None:
        self._info = session.info

    def __enter__(self) -> None:
        self._info[_OPEN] = True

    def __exit__(self, *exc: object) -> None:
        self._info[_OPEN] = False
