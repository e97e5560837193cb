"""Applying check-ins and check-outs.

Each event is applied in one write transaction that appends it to the log and moves the
counts it changes, so the log and the counts can never disagree. A replayed ``event_id``
returns the first answer; the same id with a different body is refused.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from pydantic import ValidationError
from sqlalchemy import Connection, bindparam, or_, update
from sqlalchemy import select as select_rows
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from shelter.auth import service as auth
from shelter.config import Settings
from shelter.db import Database, utcnow
from shelter.errors import Conflict, Invalid, NotFound, ShelterError, UnknownPass
from shelter.events import timeline
from shelter.events.schemas import (
    BatchItem,
    BatchResult,
    BatchStatus,
    EventIn,
    EventResult,
    Kind,
)
from shelter.events.timeline import Effect, Presence, Step
from shelter.households import passes
from shelter.occupancy import service as occupancy
from shelter.tables import CountChange, Event, Household, Shelter

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Outcome:
    result: EventResult
    replay: bool
    touched: list[str]  # shelters whose counts changed, to publish after commit


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


# The hot path speaks SQLAlchemy Core to the tables: one statement per step, no ORM
# identity map or change tracking, because a surge sends hundreds of check-ins a second.
_S = Shelter.__table__  # type: ignore[attr-defined]
_H = Household.__table__  # type: ignore[attr-defined]
_E = Event.__table__  # type: ignore[attr-defined]
_C = CountChange.__table__  # type: ignore[attr-defined]
_STATUS = occupancy.STATUS_COLUMNS
_HOUSEHOLD = (
    _H.c.id,
    _H.c.pass_code,
    _H.c.size,
    _H.c.shelter_id,
    _H.c.present,
    _H.c.since,
    _H.c.merged_records,
    _H.c.merged_into,
    _H.c.origin,
    _H.c.anonymous,
)
_STEP_COLUMNS = (_E.c.kind, _E.c.shelter_id, _E.c.headcount, _E.c.occurred_at, _E.c.event_id)

# Built once: constructing a statement costs more than running it on SQLite.
_SHELTER_BY_ID = select_rows(*_STATUS).where(_S.c.id == bindparam("id"))
_HOUSEHOLD_BY_PASS = select_rows(*_HOUSEHOLD).where(_H.c.pass_code == bindparam("code"))
_HOUSEHOLD_BY_PASS_LOCKED = _HOUSEHOLD_BY_PASS.with_for_update()
_HOUSEHOLD_BY_ID = select_rows(*_HOUSEHOLD).where(_H.c.id == bindparam("id"))
_HOUSEHOLD_BY_ID_LOCKED = _HOUSEHOLD_BY_ID.with_for_update()
_HISTORY = select_rows(*_STEP_COLUMNS).where(_E.c.household_id == bindparam("id"))
# A household other records were merged into: their events are part of its history.
_MERGED_HISTORY = select_rows(*_STEP_COLUMNS).where(
    _E.c.household_id.in_(
        select_rows(_H.c.id).where(
            or_(_H.c.id == bindparam("id"), _H.c.merged_into == bindparam("id"))
        )
    )
)
_EVENT_BY_ID = select_rows(
    _E.c.event_id,
    _E.c.request_hash,
    _E.c.household_id,
    _E.c.shelter_id,
    _E.c.kind,
    _E.c.effect,
    _E.c.people,
    _E.c.over_capacity,
).where(_E.c.event_id == bindparam("id"))
_MOVE_COUNT = (
    update(_S)
    .where(_S.c.id == bindparam("sid"))
    .values(
        occupancy=_S.c.occupancy + bindparam("delta"),
        version=_S.c.version + 1,
        updated_at=bindparam("now"),
    )
)
_SET_PRESENCE = (
    update(_H)
    .where(_H.c.id == bindparam("hid"))
    .values(
        shelter_id=bindparam("shelter_id"),
        present=bindparam("present"),
        since=bindparam("since"),
    )
)
_SET_SIZE = update(_H).where(_H.c.id == bindparam("hid")).values(size=bindparam("size"))
_INSERT_EVENT = _E.insert()
_INSERT_CHANGE = _C.insert()
_INSERT_HOUSEHOLD = _H.insert()


# A Core result row, read by attribute (row.capacity); typed loosely on purpose.
_Row = Any


# How a household record began (tables.Household.origin).
SELF, STAFF, WALK_IN, PREPRINTED = "self", "staff", "walk_in", "preprinted"


@dataclass
class _Household:
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
    def of(cls, row: _Row) -> _Household:
        return cls(
            row.id,
            row.pass_code,
            row.size,
            row.shelter_id,
            row.present,
            row.since,
            row.merged_records,
            row.origin == PREPRINTED and row.anonymous,
        )

    @property
    def presence(self) -> Presence:
        return Presence(self.shelter_id, self.present, self.since)


def counted_scan(
    household: _Household, kind: Kind, headcount: int | None
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


def _shelter_row(conn: Connection, shelter_id: str) -> _Row:
    row = conn.execute(_SHELTER_BY_ID, {"id": shelter_id}).first()
    if row is None:
        raise NotFound(f"No shelter with id {shelter_id!r}.")
    return row


def _household_for(
    conn: Connection, data: EventIn, principal: auth.Principal
) -> tuple[_Household, int | None]:
    """The household an event is about (made, for a walk-in), and the headcount to log."""
    if data.pass_code is not None:
        code = passes.normalize(data.pass_code)
        sqlite = conn.dialect.name == "sqlite"
        locked = _HOUSEHOLD_BY_PASS if sqlite else _HOUSEHOLD_BY_PASS_LOCKED
        row = conn.execute(locked, {"code": code}).first() if code else None
        if row is None:
            raise UnknownPass()
        if row.merged_into is not None:  # the pass of a record merged into another
            by_id = _HOUSEHOLD_BY_ID if sqlite else _HOUSEHOLD_BY_ID_LOCKED
            row = conn.execute(by_id, {"id": row.merged_into}).one()
        household = _Household.of(row)
        size, headcount = counted_scan(household, data.kind, data.headcount)
        if size != household.size:
            conn.execute(_SET_SIZE, {"hid": household.id, "size": size})
            household.size = size
        return household, headcount
    if data.kind is Kind.check_out:
        raise Invalid(
            "A check_out needs the pass_code: walk-ins got a pass when they checked in. "
            "Staff can find a lost pass in the shelter roster."
        )
    if data.headcount is None:
        raise Invalid("A walk-in without a pass needs a headcount.")
    walk_in = _Household(uuid.uuid4().hex, passes.new_code(), data.headcount, None, 0, None)
    conn.execute(
        _INSERT_HOUSEHOLD,
        {
            "id": walk_in.id,
            "pass_code": walk_in.pass_code,
            "anonymous": True,
            "size": walk_in.size,
            "pets": 0,
            "consent_safety_info": False,
            "origin": WALK_IN,
            "created_by": principal.token_id,
            "created_at": utcnow(),
            "merged_records": 0,
            "present": 0,
        },
    )
    return walk_in, data.headcount


def _history(conn: Connection, household: _Household) -> list[Step]:
    query = _MERGED_HISTORY if household.merged_records else _HISTORY
    rows = conn.execute(query, {"id": household.id})
    return [Step(*row) for row in rows]


def _move_counts(
    conn: Connection, before: Presence | Sequence[Presence], after: Presence, now: datetime
) -> dict[str, int]:
    """Apply the change of one household's presence to shelter counts; returns the deltas.

    ``before`` may be several presences: a merge folds two records' into one.
    """
    deltas: dict[str, int] = defaultdict(int)
    for earlier in [before] if isinstance(before, Presence) else before:
        if earlier.shelter_id is not None:
            deltas[earlier.shelter_id] -= earlier.people
    if after.shelter_id is not None:
        deltas[after.shelter_id] += after.people
    changed = {sid: delta for sid, delta in sorted(deltas.items()) if delta}
    for shelter_id, delta in changed.items():
        # One atomic UPDATE: concurrent writers (several workers) never lose a count.
        conn.execute(_MOVE_COUNT, {"sid": shelter_id, "delta": delta, "now": now})
    return changed


def _result(
    session: Session,
    settings: Settings,
    *,
    event_id: str,
    kind: str,
    effect: str,
    people: int,
    over_capacity: bool,
    household: _Household,
    shelter: _Row,
) -> EventResult:
    status = occupancy.status_of(shelter, settings)
    wants_room = kind == Kind.check_in.value and (not status.open or status.vacancy == 0)
    return EventResult(
        event_id=UUID(event_id),
        effect=Effect(effect),
        people=people,
        pass_code=household.pass_code,
        household_size=household.size,
        over_capacity=over_capacity,
        shelter=status,
        alternatives=(
            occupancy.alternatives(session, settings, near=shelter) if wants_room else []
        ),
    )


def _replay(
    session: Session, conn: Connection, settings: Settings, existing: _Row, digest: str
) -> Outcome:
    if existing.request_hash != digest:
        raise Conflict(
            f"event_id {existing.event_id} was already used for a different event; "
            "give each new event a new id."
        )
    household = conn.execute(_HOUSEHOLD_BY_ID, {"id": existing.household_id})
    result = _result(
        session,
        settings,
        event_id=existing.event_id,
        kind=existing.kind,
        effect=existing.effect,
        people=existing.people,
        over_capacity=existing.over_capacity,
        household=_Household.of(household.one()),
        shelter=_shelter_row(conn, existing.shelter_id),
    )
    return Outcome(result=result, replay=True, touched=[])


def apply(
    session: Session, settings: Settings, *, data: EventIn, principal: auth.Principal
) -> Outcome:
    """Apply one event inside the caller's write transaction."""
    auth.ensure_shelter(principal, data.shelter_id, roles=auth.EVENT_ROLES)
    conn = session.connection()
    digest = request_hash(data)
    event_id = str(data.event_id)
    existing = conn.execute(_EVENT_BY_ID, {"id": event_id}).first()
    if existing is not None:
        return _replay(session, conn, settings, existing, digest)

    now = utcnow()
    _shelter_row(conn, data.shelter_id)  # unknown shelter: 404 before anything is written
    occurred_at = _when(data, settings, now)
    household, headcount = _household_for(conn, data, principal)
    step = Step(data.kind.value, data.shelter_id, headcount, occurred_at, event_id)
    before = household.presence
    # A household made by this very event (a walk-in) has no history to read.
    history = _history(conn, household) if data.pass_code is not None else []
    after, effect, people = timeline.insert(history, step, size=household.size)
    if after == before:
        # Slotted into the past, it changed nothing that holds now (a later event decides).
        effect, people = Effect.none, 0
    deltas = _move_counts(conn, before, after, now)
    if after != before:
        conn.execute(
            _SET_PRESENCE,
            {
                "hid": household.id,
                "shelter_id": after.shelter_id,
                "present": after.people,
                "since": after.since,
            },
        )
    shelter = _shelter_row(conn, data.shelter_id)
    over_capacity = (
        effect in (Effect.checked_in, Effect.moved) and shelter.occupancy > shelter.capacity
    )
    inserted = conn.execute(
        _INSERT_EVENT,
        {
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
        },
    )
    key = inserted.inserted_primary_key
    assert key is not None
    seq = key[0]
    if deltas:
        conn.execute(
            _INSERT_CHANGE,
            [
                {"event_seq": seq, "shelter_id": sid, "delta": delta, "occurred_at": occurred_at}
                for sid, delta in deltas.items()
            ],
        )
    household.shelter_id = after.shelter_id
    result = _result(
        session,
        settings,
        event_id=event_id,
        kind=data.kind.value,
        effect=effect.value,
        people=people,
        over_capacity=over_capacity,
        household=household,
        shelter=shelter,
    )
    return Outcome(result=result, replay=False, touched=list(deltas))


def apply_isolated(
    session: Session, settings: Settings, *, data: EventIn, principal: auth.Principal
) -> Outcome:
    """Apply one event in a savepoint of the caller's transaction: a refusal undoes only it.

    A unique-index clash on event_id means another worker stored the same event first;
    applying it again then finds that event and answers as a replay.
    """
    for attempt in range(2):
        try:
            # A Core savepoint: the event path keeps no ORM objects that would need one.
            with session.connection().begin_nested():
                return apply(session, settings, data=data, principal=principal)
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")


def post(db: Database, settings: Settings, *, data: EventIn, principal: auth.Principal) -> Outcome:
    """One event in its own transaction."""
    with db.write() as session:
        return apply_isolated(session, settings, data=data, principal=principal)


def _reason(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors(include_url=False, include_input=False):
        where = ".".join(str(p) for p in error["loc"]) or "event"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


def apply_batch(
    session: Session, settings: Settings, *, raw: list[object], principal: auth.Principal
) -> tuple[BatchResult, list[str]]:
    """Apply many events in the caller's transaction, each alone: one bad one stays alone."""
    items: list[BatchItem] = []
    touched: set[str] = set()
    for entry in raw:
        raw_id = entry.get("event_id") if isinstance(entry, dict) else None
        # Echo back only what can be encoded: the answer must never fail after the commit.
        shown_id = (
            str(raw_id)[:64].encode("utf-8", "replace").decode("utf-8")
            if isinstance(raw_id, str | int)
            else None
        )
        try:
            data = EventIn.model_validate(entry)
        except ValidationError as exc:
            items.append(
                BatchItem(event_id=shown_id, status=BatchStatus.rejected, reason=_reason(exc))
            )
            continue
        try:
            outcome = apply_isolated(session, settings, data=data, principal=principal)
        except ShelterError as exc:
            items.append(
                BatchItem(
                    event_id=str(data.event_id),
                    status=BatchStatus.rejected,
                    reason=exc.message,
                    code=exc.code,
                )
            )
            continue
        touched.update(outcome.touched)
        items.append(
            BatchItem(
                event_id=str(data.event_id),
                status=BatchStatus.duplicate if outcome.replay else BatchStatus.applied,
                effect=outcome.result.effect,
                pass_code=outcome.result.pass_code,
            )
        )
    return BatchResult(results=items), sorted(touched)


def post_batch(
    db: Database, settings: Settings, *, raw: list[object], principal: auth.Principal
) -> tuple[BatchResult, list[str]]:
    """A batch in one transaction of its own."""
    with db.write() as session:
        return apply_batch(session, settings, raw=raw, principal=principal)


def settle(
    session: Session, *, household_id: str, size: int, absorbed: Sequence[Presence] = ()
) -> list[str]:
    """Give a household a new size (a correction or a merge) and refold its whole history.

    Its presence and the shelters' counts become what a rebuild from the log gives with
    that size; the change is recorded as count changes with no event. ``absorbed`` are the
    presences of records just merged into it (already pointed at it and cleared). Returns
    the shelters whose counts moved.
    """
    conn = session.connection()
    sqlite = conn.dialect.name == "sqlite"
    row = conn.execute(
        _HOUSEHOLD_BY_ID if sqlite else _HOUSEHOLD_BY_ID_LOCKED, {"id": household_id}
    ).one()
    household = _Household.of(row)
    if size != household.size:
        conn.execute(_SET_SIZE, {"hid": household.id, "size": size})
        household.size = size
    after = timeline.fold(_history(conn, household), size=size)
    now = utcnow()
    deltas = _move_counts(conn, [household.presence, *absorbed], after, now)
    if after != household.presence:
        conn.execute(
            _SET_PRESENCE,
            {
                "hid": household.id,
                "shelter_id": after.shelter_id,
                "present": after.people,
                "since": after.since,
            },
        )
    if deltas:
        conn.execute(
            _INSERT_CHANGE,
            [
                {"event_seq": None, "shelter_id": sid, "delta": delta, "occurred_at": now}
                for sid, delta in deltas.items()
            ],
        )
    return list(deltas)


def rebuild(session: Session) -> dict[str, int]:
    """Occupancy per shelter recomputed from the event log alone."""
    sizes: dict[str, int] = {}
    root: dict[str, str] = {}  # a merged record's events belong to the household it joined
    for household_id, size, merged_into in session.exec(
        select(Household.id, Household.size, Household.merged_into)
    ).all():
        sizes[household_id] = size
        root[household_id] = merged_into or household_id
    steps: dict[str, list[Step]] = defaultdict(list)
    for kind, shelter_id, headcount, at, event_id, household_id in session.execute(
        select_rows(*_STEP_COLUMNS, col(Event.household_id))
    ).all():
        steps[root[household_id]].append(Step(kind, shelter_id, headcount, at, event_id))
    counts: dict[str, int] = {sid: 0 for sid in session.exec(select(Shelter.id)).all()}
    for household_id, history in steps.items():
        presence = timeline.fold(history, size=sizes[household_id])
        if presence.shelter_id is not None:
            counts[presence.shelter_id] += presence.people
    return counts


def live_counts(session: Session) -> dict[str, int]:
    return dict(session.exec(select(Shelter.id, Shelter.occupancy)).all())


def ledger_counts(session: Session) -> dict[str, int]:
    """Occupancy per shelter as the sum of the count changes the log recorded."""
    counts: dict[str, int] = {sid: 0 for sid in session.exec(select(Shelter.id)).all()}
    for shelter_id, total in session.execute(
        select_rows(col(CountChange.shelter_id), func.sum(col(CountChange.delta))).group_by(
            col(CountChange.shelter_id)
        )
    ).all():
        counts[shelter_id] = int(total)
    return counts
