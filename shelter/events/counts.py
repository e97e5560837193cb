"""Where a household is, and the shelter counts that follow from it.

A household's presence (which shelter, how many people, since when, inside or outside) is
the fold of its event history (``timeline.py``). Every change of presence moves the
shelters' counts (occupancy, the accessible space, the pet area, outside: a ``Load``) by
the difference, in the same transaction, and is written down as count changes, so the
counts, the log and a rebuild from the log always agree. ``settle`` is the same step for a
change with no event: a correction of a household's size, needs or pets, or a merge.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlmodel import Session

from shelter import driver
from shelter.db import utcnow
from shelter.events import pending, timeline
from shelter.events import statements as sql
from shelter.events.pending import Pending
from shelter.events.timeline import INSIDE, ZERO, Load, Presence, Profile, Step
from shelter.tables import Origin
from shelter.writes import locks

# A Core result row, read by attribute (row.size); typed loosely on purpose.
Row = Any
# What one presence weighs, and where: a household's share of one shelter's counts.
Footprint = tuple[str | None, Load]

# A household's planned stay (registration) as the stay of its check-ins: staying with
# relatives is staying away from the shelter, as at home.
PLANNED_STAY = {"shelter": INSIDE, "car": "car", "home": "home", "relatives": "home"}


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
    stay: str | None = None  # where its present people stay now
    accessible: int = 0
    pets: int = 0
    planned_stay: str | None = None  # as registered: shelter, home, car, relatives

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
            row.present_stay,
            row.accessible,
            row.pets,
            row.stay,
        )

    @property
    def presence(self) -> Presence:
        return Presence(self.shelter_id, self.present, self.since, self.stay or INSIDE)

    @property
    def profile(self) -> Profile:
        return Profile(self.accessible, self.pets)

    @property
    def default_stay(self) -> str:
        """Where its check-ins stay when they do not say: its plan, else inside."""
        return PLANNED_STAY.get(self.planned_stay or "", INSIDE)


def footprint(presence: Presence, profile: Profile) -> Footprint:
    return presence.shelter_id, timeline.load(presence, profile)


def household_by_id(
    conn: Connection, household_id: str, *, lock: bool = True, held: Pending | None = None
) -> HouseholdState | None:
    """A household's row, locked for this transaction on PostgreSQL unless only read (SQLite
    has one writer); one this group's check-ins changed is as they left it (already locked)."""
    if held is not None and (state := held.household(household_id)) is not None:
        return state
    locked = lock and conn.dialect.name != "sqlite"
    query = sql.HOUSEHOLD_BY_ID_LOCKED if locked else sql.HOUSEHOLD_BY_ID
    row = driver.one(conn, query, {"id": household_id})
    return HouseholdState.of(row) if row is not None else None


def locked_by_id(session: Session, household_id: str) -> HouseholdState:
    household = household_by_id(session.connection(), household_id)
    if household is None:
        raise LookupError(f"no household {household_id}")
    return household


def history(
    conn: Connection, household: HouseholdState, *, held: Pending | None = None
) -> list[Step]:
    """Its events (and those of records merged into it), with this group's held ones."""
    query = sql.MERGED_HISTORY if household.merged_records else sql.HISTORY
    stored = [Step(*row) for row in driver.every(conn, query, {"id": household.id})]
    return stored + held.steps(household.id) if held is not None else stored


def set_size(
    conn: Connection, household: HouseholdState, size: int, *, held: Pending | None = None
) -> None:
    if size != household.size:
        if held is not None:
            held.resize(household, size)
        else:
            driver.run(conn, sql.SET_SIZE, {"hid": household.id, "size": size})
        household.size = size


def move(
    session: Session,
    household: HouseholdState,
    before: Sequence[Footprint],
    after: Presence,
    *,
    now: datetime,
) -> dict[str, Load]:
    """Move a household from ``before`` to ``after``: its row and the shelters' counts.

    ``before`` is usually the footprint of its one presence; a merge folds two records'
    into one, and a correction gives the footprint its old needs and pets made. ``after``
    weighs what the household's profile says now. Returns the count change per shelter
    (only those that moved), for the caller to log.
    """
    deltas: dict[str, Load] = defaultdict(lambda: ZERO)
    for shelter_id, weight in before:
        if shelter_id is not None:
            deltas[shelter_id] -= weight
    if after.shelter_id is not None:
        deltas[after.shelter_id] += timeline.load(after, household.profile)
    changed = {sid: delta for sid, delta in sorted(deltas.items()) if delta}
    held = pending.of(session)  # a check-in holds these writes to the group's end
    if held is None:
        # Both ends of a move are locked together, in the one order (locks.py). Held
        # writes lock theirs when they go out, all of the group's together.
        locks.take(session, changed)
    conn = session.connection()
    for shelter_id, delta in changed.items():
        if held is not None:
            held.count(shelter_id, delta, now=now)
        else:
            # One atomic UPDATE: concurrent writers (several workers) never lose a count.
            params = {"sid": shelter_id, **_columns(delta), "moves": 1, "now": now}
            driver.run(conn, sql.MOVE_COUNT, params)
    if after != household.presence:
        presence = {
            "hid": household.id,
            "shelter_id": after.shelter_id,
            "present": after.people,
            "since": after.since,
            "present_stay": after.stay if after.shelter_id is not None else None,
        }
        if held is not None:
            held.place(household, presence)
        else:
            driver.run(conn, sql.SET_PRESENCE, presence)
        household.shelter_id = after.shelter_id
        household.present, household.since = after.people, after.since
        household.stay = after.stay if after.shelter_id is not None else None
    return changed


def _columns(delta: Load) -> dict[str, int]:
    """A change of counts as the columns of shelters and count_changes name it."""
    return {
        "delta": delta.occupancy,
        "accessible_delta": delta.accessible,
        "pets_delta": delta.pets,
        "outside_delta": delta.outside,
    }


def change_rows(
    deltas: dict[str, Load], *, at: datetime, event_seq: int | None = None
) -> list[dict[str, Any]]:
    """Count changes as rows of count_changes (``event_seq`` None: a correction or merge,
    or an event whose seq is known only once it is stored)."""
    return [
        {"event_seq": event_seq, "shelter_id": sid, **_columns(delta), "occurred_at": at}
        for sid, delta in deltas.items()
    ]


def log_changes(
    conn: Connection, deltas: dict[str, Load], *, at: datetime, event_seq: int | None
) -> None:
    """Write count changes down (``event_seq`` None: a correction or merge, not an event)."""
    driver.run_many(conn, sql.INSERT_CHANGE, change_rows(deltas, at=at, event_seq=event_seq))


def settle(
    session: Session,
    *,
    household_id: str,
    size: int,
    profile: Profile,
    before: Sequence[Footprint],
) -> list[str]:
    """Give a household a new size and profile (a correction or a merge) and refold its
    whole history.

    Its presence and the shelters' counts become what a rebuild from the log gives with
    that size, needs and pets; the change is recorded as count changes with no event.
    ``before`` is what the household (and any record just merged into it, already pointed
    at it and cleared) weighed on the counts before the change, read before anything was
    changed. Returns the shelters whose counts moved.
    """
    household = locked_by_id(session, household_id)
    conn = session.connection()
    set_size(conn, household, size)
    if profile != household.profile:
        conn.execute(
            sql.SET_PROFILE,
            {"hid": household.id, "accessible": profile.accessible, "pets": profile.pets},
        )
        household.accessible, household.pets = profile.accessible, profile.pets
    after = timeline.fold(history(conn, household), size=size)
    now = utcnow()
    deltas = move(session, household, before, after, now=now)
    log_changes(conn, deltas, at=now, event_seq=None)
    return list(deltas)
