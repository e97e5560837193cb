"""Occupancy as the public sees it. Pure functions over shelter rows, plus two queries."""

from __future__ import annotations

import csv
import hashlib
import io
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import Connection, bindparam
from sqlalchemy import select as select_rows
from sqlmodel import Session, col, select

from shelter import driver
from shelter.config import Settings
from shelter.db import utcnow
from shelter.occupancy import forecast as forecasting
from shelter.occupancy.schemas import (
    Flows,
    Forecast,
    Level,
    Occupancy,
    ShelterFlow,
    ShelterStatus,
    Space,
    SpaceKind,
    Totals,
)
from shelter.tables import CountChange, Shelter
from shelter.text import spreadsheet_cell

EARTH_RADIUS_KM = 6371.0088


class ShelterLike(Protocol):
    """A shelter row: the ORM object or a Core result row, both read by attribute."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def name_en(self) -> str | None: ...
    @property
    def address(self) -> str: ...
    @property
    def lat(self) -> float: ...
    @property
    def lon(self) -> float: ...
    @property
    def capacity(self) -> int: ...
    @property
    def occupancy(self) -> int: ...
    @property
    def open(self) -> bool: ...
    @property
    def version(self) -> int: ...
    @property
    def updated_at(self) -> datetime: ...
    @property
    def trend(self) -> list[list[int]]: ...
    @property
    def accessible_capacity(self) -> int | None: ...
    @property
    def accessible_occupancy(self) -> int: ...
    @property
    def pets_capacity(self) -> int | None: ...
    @property
    def pets_occupancy(self) -> int: ...
    @property
    def outside(self) -> int: ...


class Board(Protocol):
    """The statuses this process holds in memory, kept current by every commit (the live
    hub implements it; occupancy answers from it without a database read)."""

    def occupancy(self) -> tuple[str, str]:
        """(ETag, JSON body) of every shelter and the totals."""
        ...


@dataclass(frozen=True, slots=True)
class Fullness:
    """How full a shelter is, every way the service says it: the one rule."""

    level: Level
    vacancy: int  # places left, never negative
    over: int  # people beyond capacity, never negative
    has_room: bool  # may be offered to someone looking for a place

    @property
    def over_capacity(self) -> bool:
        return self.over > 0


def over_by(*, capacity: int, occupancy: int) -> int:
    """People beyond capacity, never negative."""
    return max(occupancy - capacity, 0)


def fullness(*, capacity: int, occupancy: int, is_open: bool, settings: Settings) -> Fullness:
    """Level, vacancy, people over capacity and "has room", from one set of numbers.

    "Has room" follows the level a person sees: a shelter shown as full (whatever the
    thresholds are set to) or closed is never offered as an alternative, and one that is
    not full always has a place left to offer.
    """
    vacancy = max(capacity - occupancy, 0)
    over = over_by(capacity=capacity, occupancy=occupancy)
    if not is_open:
        level = Level.closed
    elif capacity <= 0:
        # A shelter with no room is full the moment it has anybody, and only then.
        level = Level.full if occupancy > 0 else Level.available
    elif occupancy >= capacity:
        level = Level.full  # no place left is full, whatever the thresholds say
    else:
        ratio = occupancy / capacity
        if ratio < settings.level_available_below:
            level = Level.available
        elif ratio < settings.level_crowded_below:
            level = Level.crowded
        elif ratio < settings.level_nearly_full_below:
            level = Level.nearly_full
        else:
            level = Level.full
    has_room = level not in (Level.full, Level.closed) and vacancy > 0
    return Fullness(level=level, vacancy=vacancy, over=over, has_room=has_room)


def fullness_of(shelter: ShelterLike, settings: Settings) -> Fullness:
    return fullness(
        capacity=shelter.capacity,
        occupancy=shelter.occupancy,
        is_open=shelter.open,
        settings=settings,
    )


def forecast_of(
    shelter: ShelterLike, settings: Settings, *, now: datetime | None = None
) -> Forecast:
    """Where this shelter's count is heading, from the trend its row carries (no query)."""
    return forecasting.forecast(
        shelter.trend,
        capacity=shelter.capacity,
        occupancy=shelter.occupancy,
        is_open=shelter.open,
        now=now or utcnow(),
        window_minutes=settings.forecast_window_minutes,
        horizon_hours=settings.forecast_horizon_hours,
    )


def _space_counts(shelter: ShelterLike, kind: SpaceKind) -> tuple[int | None, int]:
    if kind is SpaceKind.accessible:
        return shelter.accessible_capacity, shelter.accessible_occupancy
    return shelter.pets_capacity, shelter.pets_occupancy


def space_fullness(shelter: ShelterLike, kind: SpaceKind, settings: Settings) -> Fullness | None:
    """How full one kind of space is, by the same rule as the shelter; None: it has none."""
    capacity, used = _space_counts(shelter, kind)
    if capacity is None:
        return None
    return fullness(capacity=capacity, occupancy=used, is_open=shelter.open, settings=settings)


def spaces_of(shelter: ShelterLike, settings: Settings) -> list[Space]:
    spaces = []
    for kind in SpaceKind:
        full = space_fullness(shelter, kind, settings)
        if full is not None:
            capacity, used = _space_counts(shelter, kind)
            assert capacity is not None
            spaces.append(Space(kind=kind, capacity=capacity, occupancy=used, vacancy=full.vacancy))
    return spaces


@dataclass(frozen=True, slots=True)
class Demand:
    """What a household (or someone asking) needs of a shelter: room for ``people``
    inside, and for ``accessible`` people and ``pets`` animals in those spaces.

    A kind in ``required`` must be a space the shelter has, with room: it is why the
    household is looking (that space is full where it is, or it asked for it). A kind
    needed but not required is only refused where the shelter has the space and it is
    full: a shelter that keeps no separate count of it is not known to lack it.
    """

    people: int = 0
    accessible: int = 0
    pets: int = 0
    required: frozenset[SpaceKind] = frozenset()

    @classmethod
    def of(cls, load: _Load) -> Demand:
        return cls(people=load.occupancy, accessible=load.accessible, pets=load.pets)

    def needs(self) -> Iterator[tuple[SpaceKind, int]]:
        for kind, count in ((SpaceKind.accessible, self.accessible), (SpaceKind.pets, self.pets)):
            if count > 0 or kind in self.required:
                yield kind, max(count, 1)


class _Load(Protocol):
    @property
    def occupancy(self) -> int: ...
    @property
    def accessible(self) -> int: ...
    @property
    def pets(self) -> int: ...


def room_for(shelter: ShelterLike, settings: Settings, demand: Demand) -> bool:
    """May this shelter be offered to ``demand``: the one rule for alternatives and nearest.

    It has room (``fullness``) for that many people, and each kind of space it needs has
    room for its share (``Demand`` says which kinds a shelter must have).
    """
    full = fullness_of(shelter, settings)
    if not full.has_room or full.vacancy < demand.people:
        return False
    for kind, count in demand.needs():
        space = space_fullness(shelter, kind, settings)
        if space is None:
            if kind in demand.required:
                return False
            continue
        if not space.has_room or space.vacancy < count:
            return False
    return True


def lacks(shelter: ShelterLike, settings: Settings, demand: Demand) -> bool:
    """A household counted in this shelter has no room in it: the shelter, or a kind of
    space it needs, is full or closed (and alternatives are offered). People outside
    (``people`` 0) need no room."""
    if demand.people <= 0:
        return False
    if not fullness_of(shelter, settings).has_room:
        return True
    return bool(full_kinds(shelter, settings, demand))


def over(shelter: ShelterLike, settings: Settings, demand: Demand) -> bool:
    """A household counted in this shelter is over capacity: the shelter, or a kind of
    space it needs, holds more than its capacity."""
    if demand.people <= 0:
        return False
    if fullness_of(shelter, settings).over_capacity:
        return True
    for kind, _ in demand.needs():
        space = space_fullness(shelter, kind, settings)
        if space is not None and space.over_capacity:
            return True
    return False


def full_kinds(shelter: ShelterLike, settings: Settings, demand: Demand) -> list[SpaceKind]:
    """The kinds of space ``demand`` needs that this shelter has and that have no room."""
    full = []
    for kind, _ in demand.needs():
        space = space_fullness(shelter, kind, settings)
        if space is not None and not space.has_room:
            full.append(kind)
    return full


def wanted(shelter: ShelterLike, settings: Settings, demand: Demand) -> Demand:
    """What to ask of the alternatives to this shelter: the kinds full here are required."""
    return replace(demand, required=demand.required.union(full_kinds(shelter, settings, demand)))


def status_of(shelter: ShelterLike, settings: Settings) -> ShelterStatus:
    full = fullness_of(shelter, settings)
    return ShelterStatus(
        id=shelter.id,
        name=shelter.name,
        name_en=shelter.name_en,
        address=shelter.address,
        lat=shelter.lat,
        lon=shelter.lon,
        capacity=shelter.capacity,
        occupancy=shelter.occupancy,
        vacancy=full.vacancy,
        level=full.level,
        open=shelter.open,
        version=shelter.version,
        updated_at=shelter.updated_at,
        forecast=forecast_of(shelter, settings),
        spaces=spaces_of(shelter, settings),
        outside=shelter.outside,
    )


def totals_of(statuses: Sequence[ShelterStatus]) -> Totals:
    # Closed shelters offer no room, but people still inside them still count: as
    # `in_closed`, so that occupancy = capacity - vacancy + over + in_closed holds.
    return Totals(
        capacity=sum(s.capacity for s in statuses if s.open),
        occupancy=sum(s.occupancy for s in statuses),
        vacancy=sum(s.vacancy for s in statuses if s.open),
        over=sum(over_by(capacity=s.capacity, occupancy=s.occupancy) for s in statuses if s.open),
        in_closed=sum(s.occupancy for s in statuses if not s.open),
    )


def list_statuses(session: Session, settings: Settings) -> list[ShelterStatus]:
    shelters = session.exec(select(Shelter).order_by(col(Shelter.id))).all()
    return [status_of(s, settings) for s in shelters]


def occupancy(session: Session, settings: Settings) -> Occupancy:
    statuses = list_statuses(session, settings)
    return Occupancy(as_of=utcnow(), totals=totals_of(statuses), shelters=statuses)


def etag_of(statuses: Sequence[ShelterStatus]) -> str:
    """Changes exactly when some shelter's version or forecast does (or a shelter is
    added): a forecast ages with time while the version stays."""
    return etag_from(etag_part(s) for s in statuses)


def etag_part(status: ShelterStatus) -> str:
    """One shelter's share of ``etag_of``: kept per shelter by the live hub, which then
    hashes its parts instead of serialising every forecast on every change."""
    return f"{status.id}:{status.version}:{status.forecast.model_dump_json()};"


def etag_from(parts: Iterable[str]) -> str:
    """``etag_of`` from the shelters' parts, in the shelters' order."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode())
    return f'W/"{digest.hexdigest()[:32]}"'


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine): good to metres at a town's scale."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


_S = Shelter.__table__  # type: ignore[attr-defined]
# The columns a ShelterStatus is made of, for Core queries on the hot path.
STATUS_COLUMNS = (
    _S.c.id,
    _S.c.name,
    _S.c.name_en,
    _S.c.address,
    _S.c.lat,
    _S.c.lon,
    _S.c.capacity,
    _S.c.occupancy,
    _S.c.open,
    _S.c.version,
    _S.c.updated_at,
    _S.c.trend,
    _S.c.accessible_capacity,
    _S.c.accessible_occupancy,
    _S.c.pets_capacity,
    _S.c.pets_occupancy,
    _S.c.outside,
)
# A shelter with room has a place left (``fullness``): the database narrows, the rule decides.
_OPEN_WITH_ROOM = select_rows(*STATUS_COLUMNS).where(
    _S.c.open.is_(True), _S.c.occupancy < _S.c.capacity
)
_MAYBE_ROOM = driver.Prepared(_OPEN_WITH_ROOM.where(_S.c.id != bindparam("id")))
_WITH_ROOM = driver.Prepared(_OPEN_WITH_ROOM)
_ONE = driver.Prepared(select_rows(*STATUS_COLUMNS).where(_S.c.id == bindparam("id")))


def shelter_row(connection: Connection, shelter_id: str) -> ShelterLike | None:
    """One shelter's status columns, read by the driver (the check-in path's one read)."""
    row: ShelterLike | None = driver.one(connection, _ONE, {"id": shelter_id})
    return row


# Any number of shelters in one prepared statement (``driver.in_values``).
# With where each trend was folded up to (``fold_and_read``).
_SOME = driver.Prepared(
    select_rows(*STATUS_COLUMNS, _S.c.trend_seq).where(driver.in_values(_S.c.id, "ids"))
)


def shelter_rows(connection: Connection, ids: Sequence[str]) -> list[ShelterLike]:
    """The status columns of the shelters of ``ids`` that exist (and ``trend_seq``), in one
    read."""
    rows: list[ShelterLike] = driver.every(connection, _SOME, {"ids": list(ids)}) if ids else []
    return rows


def statuses_by_id(
    connection: Connection, settings: Settings, ids: list[str]
) -> list[ShelterStatus]:
    return [status_of(row, settings) for row in shelter_rows(connection, ids)]


def _nearest_first(
    rows: Sequence[ShelterLike], settings: Settings, *, lat: float, lon: float, demand: Demand
) -> list[ShelterLike]:
    fitting = [row for row in rows if room_for(row, settings, demand)]
    fitting.sort(key=lambda s: (distance_km(lat, lon, s.lat, s.lon), s.id))
    return fitting


def with_room(connection: Connection) -> list[ShelterLike]:
    """Open shelters with a place left, as stored: the candidates for alternatives."""
    rows: list[ShelterLike] = driver.every(connection, _WITH_ROOM, {})
    return rows


def alternatives(
    connection: Connection,
    settings: Settings,
    *,
    near: ShelterLike,
    demand: Demand,
    candidates: Sequence[ShelterLike] | None = None,
) -> list[ShelterStatus]:
    """The nearest other open shelters with room for ``demand`` (``room_for``), nearest first.

    ``candidates``: the rows to choose from when the caller has them (``with_room``, as
    changes not yet written leave them: ``events/pending.py``); else they are read.
    """
    if candidates is None:
        rows: Sequence[ShelterLike] = driver.every(connection, _MAYBE_ROOM, {"id": near.id})
    else:
        rows = [row for row in candidates if row.id != near.id]
    found = _nearest_first(rows, settings, lat=near.lat, lon=near.lon, demand=demand)
    return [status_of(s, settings) for s in found[: settings.alternatives]]


def nearest(
    connection: Connection,
    settings: Settings,
    *,
    lat: float,
    lon: float,
    demand: Demand,
    limit: int,
) -> list[ShelterStatus]:
    """Open shelters with room for ``demand`` (``room_for``), nearest to a point first."""
    rows = connection.execute(_OPEN_WITH_ROOM).all()
    found = _nearest_first(rows, settings, lat=lat, lon=lon, demand=demand)
    return [status_of(s, settings) for s in found[:limit]]


CSV_COLUMNS = (
    "id",
    "name",
    "name_en",
    "address",
    "lat",
    "lon",
    "capacity",
    "occupancy",
    "vacancy",
    "level",
    "open",
    "version",
    "updated_at",
    "accessible_capacity",
    "accessible_occupancy",
    "pets_capacity",
    "pets_occupancy",
    "outside",
)


def to_csv(data: Occupancy) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for s in data.shelters:
        writer.writerow(
            [
                spreadsheet_cell(s.id),
                spreadsheet_cell(s.name),
                spreadsheet_cell(s.name_en or ""),
                spreadsheet_cell(s.address),
                s.lat,
                s.lon,
                s.capacity,
                s.occupancy,
                s.vacancy,
                s.level.value,
                "true" if s.open else "false",
                s.version,
                iso_z(s.updated_at),
                *_space_cells(s),
                s.outside,
            ]
        )
    return out.getvalue()


def _space_cells(status: ShelterStatus) -> list[int | str]:
    """Capacity and occupancy of each kind of space; empty cells where it has none."""
    by_kind = {space.kind: space for space in status.spaces}
    cells: list[int | str] = []
    for kind in SpaceKind:
        space = by_kind.get(kind)
        cells += [space.capacity, space.occupancy] if space else ["", ""]
    return cells


def iso_z(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def flows(session: Session, *, hours: int, now: datetime | None = None) -> Flows:
    """Hourly flows from the count changes; the trend runs back from today's counts."""
    now = now or utcnow()
    end = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    start = end - timedelta(hours=hours)
    starts = [start + timedelta(hours=i) for i in range(hours)]
    current = dict(session.exec(select(Shelter.id, Shelter.occupancy)).all())
    result = {
        sid: ShelterFlow(arrivals=[0] * hours, departures=[0] * hours, occupancy=[0] * hours)
        for sid in current
    }
    later: dict[str, list[int]] = {sid: [0] * hours for sid in current}
    for shelter_id, delta, at in session.exec(
        select(CountChange.shelter_id, CountChange.delta, CountChange.occurred_at).where(
            col(CountChange.occurred_at) >= start
        )
    ).all():
        index = min(int((at - start).total_seconds() // 3600), hours - 1)
        flow = result[shelter_id]
        if delta > 0:
            flow.arrivals[index] += delta
        else:
            flow.departures[index] -= delta
        later[shelter_id][index] += delta
    for shelter_id, flow in result.items():
        # Occupancy at the end of hour i = now minus every change after hour i.
        after = 0
        for index in range(hours - 1, -1, -1):
            flow.occupancy[index] = current[shelter_id] - after
            after += later[shelter_id][index]
    return Flows(as_of=now, hours=starts, shelters=result)


_C = CountChange.__table__  # type: ignore[attr-defined]
# On the driver (``driver.Prepared``, the list of ids as one parameter): the write path
# runs this once a group, on the check-ins' hot path. Each shelter's changes not yet folded
# into its trend (``id`` above its ``trend_seq``: a short range of the index on
# (shelter_id, id)), of the last window only. Joined to the shelter rows, it depends on
# nothing read before it, so it goes out with the rows' read: one round trip.
_NEW_CHANGES = driver.Prepared(
    select_rows(_C.c.id, _C.c.shelter_id, _C.c.occurred_at, _C.c.delta)
    .join(_S, _S.c.id == _C.c.shelter_id)
    .where(
        driver.in_values(_S.c.id, "ids"),
        _C.c.id > _S.c.trend_seq,
        _C.c.occurred_at >= bindparam("oldest"),
    )
)
_SET_TREND = driver.Prepared(
    _S.update()
    .where(_S.c.id == bindparam("sid"))
    .values(trend=bindparam("new_trend"), trend_seq=bindparam("new_seq"))
)


@dataclass(frozen=True, slots=True)
class Folded:
    """The statuses a commit makes true, and the trend updates that make them so."""

    statuses: list[ShelterStatus]
    trends: list[dict[str, object]]  # for ``store_trends``, sent with the commit's NOTIFY


def fold_and_read(
    connection: Connection,
    settings: Settings,
    touched: Sequence[str],
    shown: Sequence[str],
    *,
    now: datetime | None = None,
) -> Folded:
    """The statuses of ``shown`` as this transaction leaves them, with the count changes
    not yet in the ``touched`` shelters' trends folded in (the write path runs this inside
    the transaction that made the changes, with those rows locked). Two reads, sent
    together (one round trip on PostgreSQL): the rows, and the changes not yet folded; the
    trend updates are for the caller to send (``store_trends``).

    Per shelter, count changes are written only under its row lock, so their ids rise in
    commit order and ``id > trend_seq`` is exactly what is new, whatever other workers did.
    Only changes inside the window are read: older ones can never move the rate.
    """
    ids = sorted({*shown, *touched})
    folding = sorted(set(touched))
    if not ids:
        return Folded([], [])
    now = now or utcnow()
    window = settings.forecast_window_minutes
    oldest = now - timedelta(minutes=window + 1)
    reads: list[tuple[driver.Prepared, driver.Params]] = [(_SOME, {"ids": ids})]
    if folding:
        reads.append((_NEW_CHANGES, {"ids": folding, "oldest": oldest}))
    # As the driver's rows (named tuples with ``trend_seq``), not as ``ShelterLike``.
    found, *changed = driver.every_of(connection, reads)
    rows = {row.id: row for row in found}
    new: dict[str, list[tuple[int, datetime, int]]] = {}
    for change in changed[0] if changed else ():
        new.setdefault(change.shelter_id, []).append((change.id, change.occurred_at, change.delta))
    trends: list[dict[str, object]] = []
    for sid in folding:
        row = rows.get(sid)
        if row is None:
            continue
        changes = sorted(new.get(sid, ()))
        trend = forecasting.fold(
            row.trend, [(at, delta) for _, at, delta in changes], now=now, window_minutes=window
        )
        seq = max([row.trend_seq, *(cid for cid, _, _ in changes)])
        if trend != row.trend or seq != row.trend_seq:
            trends.append({"sid": row.id, "new_trend": trend, "new_seq": seq})
            rows[row.id] = row._replace(trend=trend, trend_seq=seq)
    statuses = [status_of(rows[sid], settings) for sid in sorted(set(shown)) if sid in rows]
    return Folded(statuses, trends)


def store_trends(connection: Connection, trends: Sequence[dict[str, object]]) -> None:
    """Write the trends ``fold_and_read`` folded."""
    driver.run_many(connection, _SET_TREND, trends)
