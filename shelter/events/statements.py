"""The statements of the check-in path, built once.

The hot path speaks SQLAlchemy Core to the tables: one statement per step, no ORM identity
map or change tracking, because a surge sends hundreds of check-ins a second, and building
a statement costs more than running it on SQLite. Those it runs for every check-in are
``Prepared`` (``driver.py``): compiled once per dialect and run on the driver's cursor.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, func, or_, update
from sqlalchemy import select as select_rows
from sqlalchemy.sql.expression import Executable

from shelter.driver import Bulk, Prepared, arrays, in_values
from shelter.tables import CountChange, Event, Household, Shelter

_S = Shelter.__table__  # type: ignore[attr-defined]
_H = Household.__table__  # type: ignore[attr-defined]
_E = Event.__table__  # type: ignore[attr-defined]
_C = CountChange.__table__  # type: ignore[attr-defined]
HOUSEHOLD_COLUMNS = (
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
    _H.c.present_stay,
    _H.c.accessible,
    _H.c.pets,
    _H.c.stay,
)
# In the order of timeline.Step's fields.
STEP_COLUMNS = (
    _E.c.kind,
    _E.c.shelter_id,
    _E.c.headcount,
    _E.c.occurred_at,
    _E.c.event_id,
    _E.c.stay,
)

SHELTER_EXISTS = Prepared(select_rows(_S.c.id).where(_S.c.id == bindparam("id")))
_HOUSEHOLD_BY_PASS = select_rows(*HOUSEHOLD_COLUMNS).where(_H.c.pass_code == bindparam("code"))
_HOUSEHOLD_BY_ID = select_rows(*HOUSEHOLD_COLUMNS).where(_H.c.id == bindparam("id"))
HOUSEHOLD_BY_PASS = Prepared(_HOUSEHOLD_BY_PASS)
HOUSEHOLD_BY_PASS_LOCKED = Prepared(_HOUSEHOLD_BY_PASS.with_for_update())
HOUSEHOLD_BY_ID = Prepared(_HOUSEHOLD_BY_ID)
HOUSEHOLD_BY_ID_LOCKED = Prepared(_HOUSEHOLD_BY_ID.with_for_update())
HISTORY = Prepared(select_rows(*STEP_COLUMNS).where(_E.c.household_id == bindparam("id")))
# A household other records were merged into: their events are part of its history.
MERGED_HISTORY = Prepared(
    select_rows(*STEP_COLUMNS).where(
        _E.c.household_id.in_(
            select_rows(_H.c.id).where(
                or_(_H.c.id == bindparam("id"), _H.c.merged_into == bindparam("id"))
            )
        )
    )
)
# A group's reads at once (apply.look_ahead): one each per group, a list as one parameter.
_HOUSEHOLDS_BY_PASSES = (
    select_rows(*HOUSEHOLD_COLUMNS)
    .where(in_values(_H.c.pass_code, "codes"))
    .order_by(_H.c.id)  # PostgreSQL locks them in this order: the one order (writes/locks.py)
)
HOUSEHOLDS_BY_PASSES = Prepared(_HOUSEHOLDS_BY_PASSES)
HOUSEHOLDS_BY_PASSES_LOCKED = Prepared(_HOUSEHOLDS_BY_PASSES.with_for_update())
# The moment of the latest event of each household these passes name (None: it has none):
# a scan that comes after it needs no history (``apply.apply_event``). By pass, not by the
# households read just before, so both go out together (``driver.every_of``). One probe of
# the index on (household_id, occurred_at) from its end per household, whatever the
# statistics say: a join and a group-by let PostgreSQL's generic plan scan every event
# once the statement was prepared. (Merged records' histories are read whole: the caller
# passes their moments by.)
_LATEST = (
    select_rows(func.max(_E.c.occurred_at)).where(_E.c.household_id == _H.c.id).scalar_subquery()
)
LATEST_BY_PASSES = Prepared(
    select_rows(_H.c.id.label("household_id"), _LATEST.label("occurred_at")).where(
        in_values(_H.c.pass_code, "codes")
    )
)
EVENTS_SEEN = Prepared(select_rows(_E.c.event_id).where(in_values(_E.c.event_id, "ids")))
EVENT_SEEN = Prepared(select_rows(_E.c.seq).where(_E.c.event_id == bindparam("id")))
EVENT_BY_ID = select_rows(
    _E.c.event_id,
    _E.c.request_hash,
    _E.c.household_id,
    _E.c.shelter_id,
    _E.c.kind,
    _E.c.effect,
    _E.c.people,
    _E.c.over_capacity,
    _E.c.headcount,
    _E.c.stay,
).where(_E.c.event_id == bindparam("id"))
# Moves a shelter's counts by a change, the version up by one per move: a group's held
# moves of one shelter go as one update (events/pending.py), as if each had gone alone.
MOVE_COUNT = Prepared(
    update(_S)
    .where(_S.c.id == bindparam("sid"))
    .values(
        occupancy=_S.c.occupancy + bindparam("delta"),
        accessible_occupancy=_S.c.accessible_occupancy + bindparam("accessible_delta"),
        pets_occupancy=_S.c.pets_occupancy + bindparam("pets_delta"),
        outside=_S.c.outside + bindparam("outside_delta"),
        version=_S.c.version + bindparam("moves"),
        updated_at=bindparam("now"),
    )
)
SET_PRESENCE = Prepared(
    update(_H)
    .where(_H.c.id == bindparam("hid"))
    .values(
        shelter_id=bindparam("shelter_id"),
        present=bindparam("present"),
        since=bindparam("since"),
        present_stay=bindparam("present_stay"),
    )
)
SET_SIZE = Prepared(update(_H).where(_H.c.id == bindparam("hid")).values(size=bindparam("size")))


def _bulk_update(table: Any, single: Prepared, key: str, columns: tuple[str, ...]) -> Bulk:
    """``single`` (``WHERE id = :key``, setting ``columns``) for many rows at once: one
    ``UPDATE ... FROM unnest(...)`` on PostgreSQL. The rows' keys must differ, and their
    locks are already held (households are locked when the group reads them ahead)."""
    rows = arrays({key: table.c.id.type, **{name: table.c[name].type for name in columns}})
    many = (
        update(table)
        .where(table.c.id == rows.c[key])
        .values({name: rows.c[name] for name in columns})
    )
    return Bulk(single, many, (key, *columns))


def _bulk_insert(table: Any, single: Executable, columns: tuple[str, ...]) -> Bulk:
    """``single`` for many rows at once: one ``INSERT ... SELECT FROM unnest(...)`` on
    PostgreSQL, the rows inserted in the order given."""
    rows = arrays({name: table.c[name].type for name in columns})
    many = table.insert().from_select(
        columns, select_rows(*(rows.c[name] for name in columns)).order_by(rows.c.n)
    )
    return Bulk(single, many, columns)


SET_SIZES = _bulk_update(_H, SET_SIZE, "hid", ("size",))
SET_PRESENCES = _bulk_update(
    _H, SET_PRESENCE, "hid", ("shelter_id", "present", "since", "present_stay")
)
SET_PROFILE = (
    update(_H)
    .where(_H.c.id == bindparam("hid"))
    .values(accessible=bindparam("accessible"), pets=bindparam("pets"))
)


def _insert(table: Any, columns: tuple[str, ...]) -> Any:
    return table.insert().values({name: bindparam(name) for name in columns})


def _many(table: Any, columns: tuple[str, ...]) -> Any:
    """An insert for ``executemany``: no ``RETURNING`` of the new key (PostgreSQL would
    send every key back for nothing)."""
    return _insert(table, columns).inline()


EVENT_FIELDS = (
    "event_id",
    "request_hash",
    "shelter_id",
    "household_id",
    "kind",
    "headcount",
    "occurred_at",
    "received_at",
    "effect",
    "people",
    "moved_from",
    "over_capacity",
    "token_id",
    "stay",
)
# Returns the new row's seq, for its count changes to point at.
INSERT_EVENT = Prepared(_insert(_E, EVENT_FIELDS).returning(_E.c.seq))
# Many events at once: their changes find their seq by event_id.
INSERT_EVENTS = _bulk_insert(_E, _many(_E, EVENT_FIELDS), EVENT_FIELDS)
_CHANGE_FIELDS = (
    "shelter_id",
    "delta",
    "accessible_delta",
    "pets_delta",
    "outside_delta",
    "occurred_at",
)
_CHANGE_COLUMNS = ("event_seq", *_CHANGE_FIELDS)
INSERT_CHANGE = _bulk_insert(_C, _many(_C, _CHANGE_COLUMNS), _CHANGE_COLUMNS)
# An event's count change, pointing at the event stored just before it in the same
# statements (by its unique event_id): nothing has to come back between the two inserts.
_EVENT_CHANGE = (
    _C.insert()
    .inline()
    .values(
        event_seq=select_rows(_E.c.seq)
        .where(_E.c.event_id == bindparam("event_id"))
        .scalar_subquery(),
        **{name: bindparam(name) for name in _CHANGE_FIELDS},
    )
)
_CHANGE_ROWS = arrays(
    {"event_id": _E.c.event_id.type, **{name: _C.c[name].type for name in _CHANGE_FIELDS}}
)
# Many at once; on PostgreSQL each finds its event's seq by a join on event_id.
INSERT_EVENT_CHANGES = Bulk(
    _EVENT_CHANGE,
    _C.insert().from_select(
        ("event_seq", *_CHANGE_FIELDS),
        select_rows(_E.c.seq, *(_CHANGE_ROWS.c[name] for name in _CHANGE_FIELDS))
        .select_from(_CHANGE_ROWS.outerjoin(_E, _E.c.event_id == _CHANGE_ROWS.c.event_id))
        .order_by(_CHANGE_ROWS.c.n),
    ),
    ("event_id", *_CHANGE_FIELDS),
)
WALK_IN_FIELDS = (
    "id",
    "pass_code",
    "anonymous",
    "size",
    "pets",
    "accessible",
    "consent_safety_info",
    "origin",
    "created_by",
    "created_at",
    "merged_records",
    "present",
)
INSERT_HOUSEHOLD = Prepared(_insert(_H, WALK_IN_FIELDS))
INSERT_HOUSEHOLDS = _bulk_insert(_H, _many(_H, WALK_IN_FIELDS), WALK_IN_FIELDS)
