"""Where a household is, and the shelter counts that follow from it.

A household's presence (which shelter, how many people, since when) is the fold of its
event history (``timeline.py``). Every change of presence moves the shelters' counts by the
difference, in the same transaction, and is written down as count changes, so the counts,
the log and a rebuild from the log always agree. ``settle`` is the same step for a change
with no event: a correction of a household's size, or a merge of two records.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlmodel import Session

from shelter.db import utcnow
from shelter.events import statements as sql
from shelter.events import timeline
from shelter.events.timeline import Presence, Step
from shelter.tables import Origin
from shelter.writes import locks

# A Core result row, read by attribute (row.size); typed loosely on purpose.
Row = Any


@dataclass
class HouseholdState:
    """The columns of a household the check-in path reads and changes."""

    id: str
    pass_code: str
    size: int
    shelter_id: str | None
    present: int
    since: datetime | None
    merged_records: int = 0
    # A pre-printed pass nobody has attached details to: how many it stands for is learnt
    # at the door.
    open_size: bool = False

    @classmethod
    def of(cls, row: Row) -> HouseholdState:
        return cls(
            row.id,
            row.pass_code,
            row.size,
            row.shelter_id,
            row.present,
            row.since,
            row.merged_records,
            row.origin == Origin.preprinted.value and row.anonymous,
        )

    @property
    def presence(self) -> Presence:
        return Presence(self.shelter_id, self.present, self.since)


def locked_by_id(session: Session, household_id: str) -> HouseholdState:
    conn = session.connection()
    query = sql.HOUSEHOLD_BY_ID if conn.dialect.name == "sqlite" else sql.HOUSEHOLD_BY_ID_LOCKED
    return HouseholdState.of(conn.execute(query, {"id": household_id}).one())


def history(conn: Connection, household: HouseholdState) -> list[Step]:
    query = sql.MERGED_HISTORY if household.merged_records else sql.HISTORY
    return [Step(*row) for row in conn.execute(query, {"id": household.id})]


def set_size(conn: Connection, household: HouseholdState, size: int) -> None:
    if size != household.size:
        conn.execute(sql.SET_SIZE, {"hid": household.id, "size": size})
        household.size = size


def move(
    session: Session,
    household: HouseholdState,
    before: Sequence[Presence],
    after: Presence,
    *,
    now: datetime,
) -> dict[str, int]:
    """Move a household from ``before`` to ``after``: its row and the shelters' counts.

    ``before`` is usually one presence; a merge folds two records' into one. Returns the
    count change per shelter (only those that moved), for the caller to log.
    """
    deltas: dict[str, int] = defaultdict(int)
    for earlier in before:
        if earlier.shelter_id is not None:
            deltas[earlier.shelter_id] -= earlier.people
    if after.shelter_id is not None:
        deltas[after.shelter_id] += after.people
    changed = {sid: delta for sid, delta in sorted(deltas.items()) if delta}
    # Both ends of a move are locked together, in the one order (locks.py).
    locks.take(session, changed)
    conn = session.connection()
    for shelter_id, delta in changed.items():
        # One atomic UPDATE: concurrent writers (several workers) never lose a count.
        conn.execute(sql.MOVE_COUNT, {"sid": shelter_id, "delta": delta, "now": now})
    if after != household.presence:
        conn.execute(
            sql.SET_PRESENCE,
            {
                "hid": household.id,
                "shelter_id": after.shelter_id,
                "present": after.people,
                "since": after.since,
            },
        )
        household.shelter_id = after.shelter_id
        household.present, household.since = after.people, after.since
    return changed


def log_changes(
    conn: Connection, deltas: dict[str, int], *, at: datetime, event_seq: int | None
) -> None:
    """Write count changes down (``event_seq`` None: a correction or merge, not an event)."""
    if deltas:
        conn.execute(
            sql.INSERT_CHANGE,
            [
                {"event_seq": event_seq, "shelter_id": sid, "delta": delta, "occurred_at": at}
                for sid, delta in deltas.items()
            ],
        )


def settle(
    session: Session, *, household_id: str, size: int, absorbed: Sequence[Presence] = ()
) -> list[str]:
    """Give a household a new size (a correction or a merge) and refold its whole history.

    Its presence and the shelters' counts become what a rebuild from the log gives with
    that size; the change is recorded as count changes with no event. ``absorbed`` are the
    presences of records just merged into it (already pointed at it and cleared). Returns
    the shelters whose counts moved.
    """
    household = locked_by_id(session, household_id)
    conn = session.connection()
    set_size(conn, household, size)
    after = timeline.fold(history(conn, household), size=size)
    now = utcnow()
    deltas = move(session, household, [household.presence, *absorbed], after, now=now)
    log_changes(conn, deltas, at=now, event_seq=None)
    return list(deltas)
