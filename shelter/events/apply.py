"""Applying one check-in or check-out.

An event is applied inside the caller's write transaction: it is appended to the log and
moves the counts it changes (``counts.py``), so the log and the counts can never disagree.
A replayed ``event_id`` answers as the first time; the same id with a different body is
refused. The answer's shelter status is filled in by the write path from its one read
after the commit's works ran (``writes/path.py``).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import Connection
from sqlmodel import Session

from shelter import driver, passes
from shelter.auth import service as auth
from shelter.config import Settings
from shelter.db import utcnow
from shelter.errors import Conflict, Invalid, NotFound, UnknownPass
from shelter.events import counts, pending, timeline
from shelter.events import statements as sql
from shelter.events.counts import HouseholdState, Row
from shelter.events.pending import Pending
from shelter.events.schemas import EventIn, EventResult, Kind, Stay
from shelter.events.timeline import INSIDE, Effect, Presence, Step
from shelter.occupancy import service as occupancy
from shelter.occupancy.schemas import ShelterStatus, SpaceKind
from shelter.occupancy.service import Demand
from shelter.tables import Origin
from shelter.writes.path import Change, Statuses

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Outcome:
    result: EventResult
    replay: bool


@dataclass(frozen=True)
class Applied:
    """What applying (or replaying) an event found; the shelter's status comes later."""

    event_id: str
    shelter_id: str
    effect: Effect
    people: int
    over_capacity: bool
    pass_code: str
    household_size: int
    stay: str
    spaces_full: list[SpaceKind]
    alternatives: list[ShelterStatus]
    replay: bool
    touched: list[str]  # shelters whose counts moved

    def outcome(self, statuses: Statuses) -> Outcome:
        """The answer, with the shelter as the write path read it after the commit's works."""
        result = EventResult(
            event_id=UUID(self.event_id),
            effect=self.effect,
            people=self.people,
            pass_code=self.pass_code,
            household_size=self.household_size,
            over_capacity=self.over_capacity,
            stay=Stay(self.stay),
            spaces_full=self.spaces_full,
            shelter=statuses[self.shelter_id],
            alternatives=self.alternatives,
        )
        return Outcome(result=result, replay=self.replay)


def request_hash(data: EventIn) -> str:
    """What makes two posts of one event_id 'the same body'."""
    code = passes.normalize(data.pass_code) if data.pass_code else None
    canonical = {
        "shelter_id": data.shelter_id,
        "kind": data.kind.value,
        "pass_code": code or data.pass_code,
        "headcount": data.headcount,
        "occurred_at": data.occurred_at.astimezone(UTC).isoformat() if data.occurred_at else None,
    }
    if data.stay is not None:
        # Only when sent: events stored before stay existed keep the hash they had.
        canonical["stay"] = data.stay.value
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def _when(data: EventIn, settings: Settings, now: datetime) -> datetime:
    if data.occurred_at is None:
        return now
    moment = data.occurred_at.astimezone(UTC)
    if moment > now + timedelta(seconds=settings.max_clock_skew_seconds):
        raise Invalid("occurred_at is in the future; check the kiosk's clock and send it again.")
    if moment < EARLIEST:
        raise Invalid("occurred_at is before the year 2000; check the kiosk's clock.")
    return moment


def counted_scan(
    household: HouseholdState, kind: Kind, headcount: int | None
) -> tuple[int, int | None]:
    """The household size once this scan is counted, and the headcount to log: the one rule.

    A registered household or a walk-in group is the size it was given, and a larger
    headcount is a mistake to fix. A pre-printed pass with no details yet stands for one
    person at first and grows to the largest headcount it is checked in with; a check-in
    with no headcount is the group as known so far (one, the first time), logged as that
    number, so later growth never changes what an earlier scan counted. The fold then runs
    with that size, as a rebuild from the log does.
    """
    if household.open_size and kind is Kind.check_in:
        wanted = headcount or household.size
        return max(household.size, wanted), wanted
    if headcount is None or headcount <= household.size or household.open_size:
        return household.size, headcount
    raise Invalid(
        f"headcount {headcount} is more than the {household.size} people "
        "registered on this pass; register the others, or leave headcount out."
    )


def _shelter_row(conn: Connection, shelter_id: str, held: Pending | None = None) -> Row:
    """A shelter's status columns, as this group's held check-ins left them."""
    row = (
        held.shelter(conn, shelter_id)
        if held is not None
        else occupancy.shelter_row(conn, shelter_id)
    )
    if row is None:
        raise NotFound(f"No shelter with id {shelter_id!r}.")
    return row


def _ensure_shelter(conn: Connection, shelter_id: str) -> None:
    if driver.one(conn, sql.SHELTER_EXISTS, {"id": shelter_id}) is None:
        raise NotFound(f"No shelter with id {shelter_id!r}.")


def _pass_holder(conn: Connection, code: str | None, held: Pending | None) -> HouseholdState:
    """The household a pass checks in, following a merged record to the kept one (as this
    group's held check-ins left it)."""
    if held is not None and code and held.looked_up(code):
        row = held.by_pass(code)  # read (and locked) ahead for the group
    else:
        sqlite = conn.dialect.name == "sqlite"
        by_pass = sql.HOUSEHOLD_BY_PASS if sqlite else sql.HOUSEHOLD_BY_PASS_LOCKED
        row = driver.one(conn, by_pass, {"code": code}) if code else None
    if row is None:
        raise UnknownPass()
    if row.merged_into is not None:  # the pass of a record merged into another
        kept = counts.household_by_id(conn, row.merged_into, held=held)
        assert kept is not None  # merged_into is a foreign key
        return kept
    changed = held.household(row.id) if held is not None else None
    return changed or HouseholdState.of(row)


def look_ahead(session: Session, parts: list[list[EventIn]]) -> list[str | None]:
    """The reads a group's events share, made once before any work (``Job.ahead``): the
    households their passes name, the moment of each one's latest event, and which event
    ids are already stored. Kept for the group's check-ins (``pending.py``, until its first flush).

    Returns the shelters to lock up front: where each event happens, and where its
    household is now (a move changes both). On PostgreSQL the households are locked here,
    in id order and before the shelters, the order a correction takes them in
    (``writes/locks.py``), so another worker's check-in cannot slip an event in after the
    latest one read here.
    """
    conn = session.connection()
    group = [data for part in parts for data in part]
    normal = (passes.normalize(data.pass_code) for data in group if data.pass_code)
    codes = sorted({code for code in normal if code})  # one that cannot be a code: unknown
    sqlite = conn.dialect.name == "sqlite"  # one writer: nothing to lock
    query = sql.HOUSEHOLDS_BY_PASSES if sqlite else sql.HOUSEHOLDS_BY_PASSES_LOCKED
    ids = sorted({str(data.event_id) for data in group})
    # One round trip on PostgreSQL: the households (locked first), their latest moments,
    # the event ids stored.
    rows, latest, seen = driver.every_of(
        conn,
        [
            (query, {"codes": codes}),
            (sql.LATEST_BY_PASSES, {"codes": codes}),
            (sql.EVENTS_SEEN, {"ids": ids}),
        ],
    )
    # A merged record's pass leads to another household: read when its event runs.
    plain = [row.id for row in rows if not row.merged_records and row.merged_into is None]
    stored = [row.event_id for row in seen]
    shelters = [data.shelter_id for data in group] + [row.shelter_id for row in rows]
    holder = pending.holder(session)
    holder.know(
        codes=codes,
        households=rows,
        plain=plain,
        shelters=[sid for sid in shelters if sid is not None],
        latest=latest,
        asked=ids,
        stored=stored,
    )
    return shelters


def _household_for(
    conn: Connection, data: EventIn, principal: auth.Principal, held: Pending | None
) -> tuple[HouseholdState, int | None]:
    """The household an event is about (made, for a walk-in), and the headcount to log."""
    if data.pass_code is not None:
        household = _pass_holder(conn, passes.normalize(data.pass_code), held)
        size, headcount = counted_scan(household, data.kind, data.headcount)
        counts.set_size(conn, household, size, held=held)
        return household, headcount
    if data.kind is Kind.check_out:
        raise Invalid(
            "A check_out needs the pass_code: walk-ins got a pass when they checked in. "
            "Staff can find a lost pass in the shelter roster."
        )
    if data.headcount is None:
        raise Invalid("A walk-in without a pass needs a headcount.")
    walk_in = HouseholdState(uuid.uuid4().hex, passes.new_code(), data.headcount, None, 0, None)
    row = {
        "id": walk_in.id,
        "pass_code": walk_in.pass_code,
        "anonymous": True,
        "size": walk_in.size,
        "pets": 0,
        "accessible": 0,
        "consent_safety_info": False,
        "origin": Origin.walk_in.value,
        "created_by": principal.token_id,
        "created_at": utcnow(),
        "merged_records": 0,
        "present": 0,
    }
    if held is not None:
        held.create(walk_in, row)
    else:
        driver.run(conn, sql.INSERT_HOUSEHOLD, row)
    return walk_in, data.headcount


def _comes_last(household: HouseholdState, step: Step, held: Pending | None) -> bool:
    """Does ``step`` come after every event the household has (the usual scan at the door)?

    Then ``timeline.insert`` of it is one ``timeline.apply`` to the household's presence,
    which is the fold of its history at its size (``counts.settle`` refolds it whenever a
    correction changes the size). Known only where the group read its latest moment ahead.
    Not for a pre-printed pass still learning its size: a scan that grows it refolds its
    earlier ones at the new size (``counted_scan``).
    """
    return held is not None and not household.open_size and held.comes_last(household.id, step)


def _demand(household: HouseholdState, shelter_id: str, people: int, stay: str) -> Demand:
    """What this household asks of a shelter: room for its people inside, and of the kinds
    of space they need (``timeline.load``: people outside ask for none)."""
    here = (
        household.presence
        if household.shelter_id == shelter_id
        else Presence(shelter_id, min(people, household.size), None, stay)
    )
    return Demand.of(timeline.load(here, household.profile))


def _alternatives(
    conn: Connection,
    settings: Settings,
    *,
    kind: str,
    shelter: Row,
    demand: Demand,
    held: Pending | None = None,
) -> list[ShelterStatus]:
    """Where else to go, offered with a check-in to a shelter with no room for the household
    (``occupancy.lacks``: the shelter, or the kind of space it needs, is full or closed)."""
    if kind != Kind.check_in.value or not occupancy.lacks(shelter, settings, demand):
        return []
    return occupancy.alternatives(
        conn,
        settings,
        near=shelter,
        demand=occupancy.wanted(shelter, settings, demand),
        candidates=held.with_room(conn, besides=shelter.id) if held is not None else None,
    )


def _spaces_full(settings: Settings, *, kind: str, shelter: Row, demand: Demand) -> list[SpaceKind]:
    """For a check-in: the kinds of space the household needs that are full here."""
    if kind != Kind.check_in.value:
        return []
    return occupancy.full_kinds(shelter, settings, demand)


def _replay(
    conn: Connection,
    settings: Settings,
    event_id: str,
    digest: str,
    held: Pending | None,
    *,
    advise: bool,
) -> Applied:
    existing = conn.execute(sql.EVENT_BY_ID, {"id": event_id}).one()
    if existing.request_hash != digest:
        raise Conflict(
            f"event_id {existing.event_id} was already used for a different event; "
            "give each new event a new id."
        )
    # Read only: not locked.
    household = counts.household_by_id(conn, existing.household_id, lock=False, held=held)
    assert household is not None  # events.household_id is a foreign key
    shelter = _shelter_row(conn, existing.shelter_id, held)
    people = existing.headcount or household.size
    demand = _demand(household, existing.shelter_id, people, existing.stay)
    spaces_full: list[SpaceKind] = []
    alternatives: list[ShelterStatus] = []
    if advise:
        spaces_full = _spaces_full(settings, kind=existing.kind, shelter=shelter, demand=demand)
        alternatives = _alternatives(
            conn, settings, kind=existing.kind, shelter=shelter, demand=demand, held=held
        )
    return Applied(
        event_id=existing.event_id,
        shelter_id=existing.shelter_id,
        effect=Effect(existing.effect),
        people=existing.people,
        over_capacity=existing.over_capacity,
        pass_code=household.pass_code,
        household_size=household.size,
        stay=existing.stay,
        spaces_full=spaces_full,
        alternatives=alternatives,
        replay=True,
        touched=[],
    )


def apply(
    session: Session, settings: Settings, *, data: EventIn, principal: auth.Principal
) -> Change[Outcome]:
    """Apply one event inside the caller's write transaction; answered after the read."""
    applied = apply_event(session, settings, data=data, principal=principal)
    return Change(
        answer=applied.outcome,
        touched=frozenset(applied.touched),
        shown=frozenset({applied.shelter_id}),
    )


def apply_event(
    session: Session,
    settings: Settings,
    *,
    data: EventIn,
    principal: auth.Principal,
    advise: bool = True,
) -> Applied:
    """Apply one event inside the caller's write transaction: what it did.

    ``advise``: look for what the answer tells the person at the door, the kinds of space
    that are full and the alternatives when there is no room. An offline kiosk's upload
    answers with neither (the household was let in long before it is sent), and
    looking for alternatives reads every shelter with room: for a surge of uploads into
    full shelters that was most of the writer's time (benchmarks.md, sixth round).
    Whether the household is over capacity is kept in the log either way.

    Everything that can refuse it (scope, a reused id, an unknown shelter or pass, a bad
    time or headcount) is checked before its first write, so a refused event has changed
    nothing even without a savepoint of its own (``writes/path.py``, ``Job.checked``).
    """
    auth.authorize(principal, auth.Act.check_in, shelter_id=data.shelter_id)
    conn = session.connection()
    held = pending.of(session)  # set when this check-in may hold writes to the group's end
    digest = request_hash(data)
    event_id = str(data.event_id)
    if held is not None and held.has_event(event_id):
        held.send(session)  # sent twice in one group: the second answers from the stored first
        return _replay(conn, settings, event_id, digest, held, advise=advise)
    stored = held.stored(event_id) if held is not None else None
    if stored is None:  # not read ahead (or no longer known): ask
        stored = driver.one(conn, sql.EVENT_SEEN, {"id": event_id}) is not None
    if stored:
        return _replay(conn, settings, event_id, digest, held, advise=advise)

    now = utcnow()
    # An unknown shelter: 404 before anything is written.
    if held is not None:
        _shelter_row(conn, data.shelter_id, held)  # read once a group, kept for the room check
    else:
        _ensure_shelter(conn, data.shelter_id)
    occurred_at = _when(data, settings, now)
    household, headcount = _household_for(conn, data, principal, held)
    stay = data.stay.value if data.stay is not None else household.default_stay
    step = Step(data.kind.value, data.shelter_id, headcount, occurred_at, event_id, stay)
    before = household.presence
    if data.pass_code is None or _comes_last(household, step, held):
        # Its presence is the fold of its history, so this step folds onto it: the history
        # need not be read.
        after, effect, people = timeline.apply(before, step, size=household.size)
    else:  # slotted in among its events: the fold is run again with it in its place
        steps = counts.history(conn, household, held=held)
        after, effect, people = timeline.insert(steps, step, size=household.size)
    if after == before:
        # Slotted into the past, it changed nothing that holds now (a later event decides).
        effect, people = Effect.none, 0
    was = counts.footprint(before, household.profile)
    deltas = counts.move(session, household, [was], after, now=now)
    over_capacity, spaces_full, alternatives = False, [], []
    if data.kind is Kind.check_in:
        # Room is a check-in's question: the shelter as this event left it.
        shelter = _shelter_row(conn, data.shelter_id, held)
        demand = _demand(household, data.shelter_id, headcount or household.size, stay)
        # People outside never make a shelter full: only a household inside can be over.
        over_capacity = (
            effect in (Effect.checked_in, Effect.moved)
            and household.shelter_id == data.shelter_id
            and household.stay == INSIDE
            and occupancy.over(shelter, settings, demand)
        )
        if advise:
            spaces_full = _spaces_full(
                settings, kind=data.kind.value, shelter=shelter, demand=demand
            )
            alternatives = _alternatives(
                conn, settings, kind=data.kind.value, shelter=shelter, demand=demand, held=held
            )
    row = {
        "event_id": event_id,
        "request_hash": digest,
        "shelter_id": data.shelter_id,
        "household_id": household.id,
        "kind": data.kind.value,
        "headcount": headcount,
        "occurred_at": occurred_at,
        "received_at": now,
        "effect": effect.value,
        "people": people,
        "moved_from": before.shelter_id if effect is Effect.moved else None,
        "over_capacity": over_capacity,
        "token_id": principal.token_id,
        "stay": stay,
    }
    if held is not None:
        held.record(row, step, changes=counts.change_rows(deltas, at=occurred_at))
    else:
        seq = driver.inserted_key(conn, sql.INSERT_EVENT, row)
        counts.log_changes(conn, deltas, at=occurred_at, event_seq=seq)
    return Applied(
        event_id=event_id,
        shelter_id=data.shelter_id,
        effect=effect,
        people=people,
        over_capacity=over_capacity,
        pass_code=household.pass_code,
        household_size=household.size,
        stay=stay,
        spaces_full=spaces_full,
        alternatives=alternatives,
        replay=False,
        touched=list(deltas),
    )
