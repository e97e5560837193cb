"""The check-in path's held writes, and the reads they change (``writes/behind.py`` says why).

A check-in run straight in the group's transaction holds back all it writes: a walk-in's
new household, the event (its seq, which its count changes point at, comes when it is
stored), the shelters' count moves (summed per shelter, one update each at the end, the
version up by one per move as before), households' presence and size (the last wins), and
the count-change rows. Until they are sent, the reads a later check-in of the same group
makes go through here: an event id already held is a resend (sent, then answered as any
replay); a household's history has its held events, and its latest moment counts them; a
shelter's row is read once and the
held moves added to it; a household changed in this group is the state held here, not its
stale row. So every check-in sees exactly what it saw when each wrote at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection
from sqlmodel import Session

from shelter import driver
from shelter.events import statements as sql
from shelter.events.timeline import Load, Step
from shelter.occupancy import service as occupancy
from shelter.writes import behind, locks

if TYPE_CHECKING:
    from shelter.events.counts import HouseholdState

Row = Any


@dataclass(slots=True)
class _Moves:
    load: Load
    moves: int
    at: datetime  # the latest move's time: the row's updated_at, as the last update set it


@dataclass(slots=True)
class _Event:
    row: dict[str, Any]
    changes: list[dict[str, Any]]  # its count changes, to point at it once stored


@dataclass(slots=True)
class _Known:
    """What the group read, good until the flush (then every read goes to the database
    again): what the look-ahead read (``apply.look_ahead``), the rows read since, and the
    households as this group changed them. A send keeps it, with what was sent folded in."""

    households: dict[str, HouseholdState] = field(default_factory=dict)
    rows: dict[str, Row | None] = field(default_factory=dict)  # shelters, before held moves
    named: set[str] = field(default_factory=set)  # the shelters the group names: read together
    with_room: list[Row] | None = None  # likewise, the open ones with room
    by_pass: dict[str, Row | None] = field(default_factory=dict)
    latest: dict[str, datetime | None] = field(default_factory=dict)  # None: no event yet
    asked: set[str] = field(default_factory=set)  # event ids looked for
    stored: set[str] = field(default_factory=set)  # of those, the ones stored


class Pending:
    def __init__(self) -> None:
        self._created: list[dict[str, Any]] = []  # walk-ins' new households
        self._events: dict[str, _Event] = {}  # by event_id, in the order they came
        self._steps: dict[str, list[Step]] = {}  # the held events, by household
        self._moves: dict[str, _Moves] = {}
        self._presence: dict[str, dict[str, Any]] = {}
        self._sizes: dict[str, int] = {}
        self._known = _Known()  # what was read, and households as changed: till the flush

    def waiting(self) -> int:
        return (
            len(self._created)
            + len(self._events)
            + len(self._moves)
            + len(self._presence)
            + len(self._sizes)
        )

    # -- writes ---------------------------------------------------------------------------

    def count(self, shelter_id: str, delta: Load, *, now: datetime) -> None:
        held = self._moves.get(shelter_id)
        if held is None:
            self._moves[shelter_id] = _Moves(delta, 1, now)
        else:
            held.load, held.moves, held.at = held.load + delta, held.moves + 1, now

    def place(self, household: HouseholdState, params: dict[str, Any]) -> None:
        self._presence[household.id] = params
        self._known.households[household.id] = household

    def resize(self, household: HouseholdState, size: int) -> None:
        self._sizes[household.id] = size
        self._known.households[household.id] = household

    def create(self, household: HouseholdState, row: dict[str, Any]) -> None:
        self._created.append(row)
        self._known.households[household.id] = household

    def record(self, row: dict[str, Any], step: Step, *, changes: list[dict[str, Any]]) -> None:
        """An event, its step in its household's history, and its count changes."""
        self._events[row["event_id"]] = _Event(row, changes)
        self._steps.setdefault(row["household_id"], []).append(step)

    def flush(self, session: Session) -> None:
        """Send what is held and forget every row read: the path calls this before a work of
        another kind, which may change those rows, and before its status read."""
        self.send(session)
        self._known = _Known()

    def send(self, session: Session) -> None:
        """Send what is held, within the group's check-ins: what was read stays known, with
        what was sent folded in (households as changed, their latest moments, ids stored,
        shelter rows with their moves), so the check-ins after it still read nothing twice.
        Only the candidates for alternatives are read anew."""
        if not self.waiting():
            return  # nothing to send (on PostgreSQL, not even a round trip)
        # In the order the foreign keys ask: households, their events, the events' changes;
        # on PostgreSQL as one pipeline, one round trip for all.
        moves = [
            {
                "sid": sid,
                "delta": held.load.occupancy,
                "accessible_delta": held.load.accessible,
                "pets_delta": held.load.pets,
                "outside_delta": held.load.outside,
                "moves": held.moves,
                "now": held.at,
            }
            for sid, held in sorted(self._moves.items())  # the one lock order (locks.py)
        ]
        changes = [
            {**{k: v for k, v in change.items() if k != "event_seq"}, "event_id": event_id}
            for event_id, event in self._events.items()
            for change in event.changes
        ]
        conn = session.connection()
        with driver.pipeline(conn):
            driver.run_many(conn, sql.INSERT_HOUSEHOLDS, self._created)
            sizes = [{"hid": hid, "size": size} for hid, size in self._sizes.items()]
            driver.run_many(conn, sql.SET_SIZES, sizes)
            driver.run_many(conn, sql.SET_PRESENCES, list(self._presence.values()))
            driver.run_many(conn, sql.INSERT_EVENTS, [event.row for event in self._events.values()])
            driver.run_many(conn, sql.MOVE_COUNT, moves)
            driver.run_many(conn, sql.INSERT_EVENT_CHANGES, changes)
        # Sent at the transaction's top level: its updates hold those rows' locks till the
        # commit, so the path's lock before its status read costs no round trip.
        locks.updated(session, self._moves)
        for household_id in self._steps:
            if household_id in self._known.latest:
                self._known.latest[household_id] = self._last(household_id)
        self._known.asked.update(self._events)
        self._known.stored.update(self._events)
        self._known.rows = {sid: row and self.current(row) for sid, row in self._known.rows.items()}
        self._created, self._events, self._steps = [], {}, {}
        self._moves, self._presence, self._sizes = {}, {}, {}
        self._known.with_room = None

    # -- reads ----------------------------------------------------------------------------

    def know(
        self,
        *,
        codes: Sequence[str],
        households: Sequence[Row],
        plain: Sequence[str],
        shelters: Sequence[str],
        latest: Sequence[Row],
        asked: Sequence[str],
        stored: Sequence[str],
    ) -> None:
        """Keep what the group's look-ahead read: the households of ``codes`` (one missing
        is an unknown pass), the moment of the ``latest`` event of each ``plain`` one (with
        no merged records: another's moment is not kept), and which of the ``asked`` event
        ids are ``stored``. The rows of the ``shelters`` it names are read together, when
        the first of them is asked for."""
        found = {row.pass_code: row for row in households}
        self._known.by_pass.update({code: found.get(code) for code in codes})
        moments = {row.household_id: row.occurred_at for row in latest}
        self._known.latest.update(
            {household_id: moments.get(household_id) for household_id in plain}
        )
        self._known.named.update(shelters)
        self._known.asked.update(asked)
        self._known.stored.update(stored)

    def looked_up(self, code: str) -> bool:
        return code in self._known.by_pass

    def by_pass(self, code: str) -> Row | None:
        """The household row of a pass read ahead (None: no such pass)."""
        return self._known.by_pass.get(code)

    def stored(self, event_id: str) -> bool | None:
        """Was this event stored before the group began (None: not read ahead)?"""
        return event_id in self._known.stored if event_id in self._known.asked else None

    def comes_last(self, household_id: str, step: Step) -> bool:
        """Does ``step`` happen after every event of the household, stored or held? False
        when that is not known (not read ahead; a tie, which the event ids break)."""
        if household_id not in self._known.latest:
            return False
        last = self._last(household_id)
        return last is None or step.occurred_at > last

    def _last(self, household_id: str) -> datetime | None:
        moments = [step.occurred_at for step in self._steps.get(household_id, ())]
        stored = self._known.latest.get(household_id)
        return max([*moments, stored] if stored is not None else moments, default=None)

    def has_event(self, event_id: str) -> bool:
        return event_id in self._events

    def steps(self, household_id: str) -> list[Step]:
        """A household's held events, for its history."""
        return self._steps.get(household_id, [])

    def household(self, household_id: str) -> HouseholdState | None:
        """A household this group changed, as it is now (its row is stale until the flush)."""
        return self._known.households.get(household_id)

    def shelter(self, conn: Connection, shelter_id: str) -> Row | None:
        """A shelter's status columns as this group's moves left them (None: no such shelter)."""
        row = self._stored_row(conn, shelter_id)
        return self.current(row) if row is not None else None

    def _stored_row(self, conn: Connection, shelter_id: str) -> Row | None:
        """A shelter's row as read, before the held moves (read once a group)."""
        if shelter_id not in self._known.rows:
            # With the group's other shelters not read yet: one read instead of one each.
            wanted = {shelter_id, *self._known.named.difference(self._known.rows)}
            found = {row.id: row for row in occupancy.shelter_rows(conn, sorted(wanted))}
            self._known.rows.update({sid: found.get(sid) for sid in wanted})  # None: not one
        return self._known.rows[shelter_id]

    def current(self, row: Row) -> Row:
        """A shelter row read from the database, with this group's held moves added."""
        held = self._moves.get(row.id)
        if held is None:
            return row
        return row._replace(
            occupancy=row.occupancy + held.load.occupancy,
            accessible_occupancy=row.accessible_occupancy + held.load.accessible,
            pets_occupancy=row.pets_occupancy + held.load.pets,
            outside=row.outside + held.load.outside,
            version=row.version + held.moves,
            updated_at=held.at,
        )

    def with_room(self, conn: Connection, *, besides: str) -> list[Row]:
        """The candidates for alternatives to ``besides``, as the held moves leave them: the
        open shelters that had room when first asked in this group (read once), and any
        stored as full that held moves emptied places in (their rows as read for the
        group). Whether each has room for the household is the search's to decide
        (``occupancy.room_for``): held moves can fill a candidate, or it may be closed."""
        if self._known.with_room is None:
            self._known.with_room = occupancy.with_room(conn)
        rows = {row.id: row for row in self._known.with_room}
        for sid, held in self._moves.items():
            if held.load.occupancy < 0 and sid != besides and sid not in rows:
                freed = self._stored_row(conn, sid)
                if freed is not None:
                    rows[sid] = freed
        return [self.current(row) for row in rows.values()]


def holder(session: Session) -> Pending:
    """The transaction's holder of check-in writes and of what its group read ahead."""
    return behind.held(session, Pending, Pending)


def of(session: Session) -> Pending | None:
    """The holder, when the work running may hold writes (and use what was read ahead)."""
    return holder(session) if behind.may_hold(session) else None
