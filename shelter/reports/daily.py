"""The daily report: per shelter and in total, one Japan day, from the event log.

Every household's whole history up to the end of the day is refolded (``flows.py``), so the
figures for any past day are what the log says now: a kiosk that uploaded its queue hours
late, a corrected household size, a merge of two records, and days replayed from Nanao's
data all land where they happened. The live counts are never read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import groupby

from sqlalchemy import select as select_rows
from sqlmodel import Session, col, select

from shelter.config import Settings
from shelter.db import utcnow
from shelter.errors import Invalid
from shelter.events import statements as sql
from shelter.events.timeline import Step
from shelter.households.roster import JAPAN
from shelter.households.schemas import Need
from shelter.reports.care import care_of
from shelter.reports.flows import Flow, History, Kind, history
from shelter.reports.schemas import CountAt, DailyReport, DayFigures, Peak, ShelterDay
from shelter.reports.sides import Side
from shelter.tables import Event, Household, Member, Shelter

# Members are read for this many households per query (a bound on bind parameters).
_CHUNK = 2000


def today() -> date:
    return datetime.now(JAPAN).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The Japan day as a UTC interval [start, end)."""
    start = datetime.combine(day, time(), JAPAN).astimezone(UTC)
    return start, start + timedelta(days=1)


@dataclass
class _Tally:
    """The day of one shelter (or of all), built from its flows."""

    flows: list[Flow] = field(default_factory=list)
    households: set[str] = field(default_factory=set)


def read(session: Session, settings: Settings, *, day: date) -> DailyReport:
    """The report for ``day`` (Japan time); a day that has not begun is refused."""
    if day > today():
        raise Invalid(f"{day.isoformat()} has not begun in Japan; ask for today or a past day.")
    start, end = day_bounds(day)
    now = utcnow()
    histories = _histories(session, before=end)
    shelters = session.exec(select(Shelter).order_by(col(Shelter.id))).all()
    tallies: dict[str, _Tally] = {s.id: _Tally() for s in shelters}
    everyone = _Tally()
    for household in histories:
        for flow in household.flows:
            if flow.shelter_id in tallies:
                tallies[flow.shelter_id].flows.append(flow)
                everyone.flows.append(flow)
        for shelter_id in household.present_between(start, end):
            if shelter_id in tallies:
                tallies[shelter_id].households.add(household.household_id)
                everyone.households.add(household.household_id)
    people = _people(session, everyone.households, year=day.year, settings=settings)
    moments = [
        (t.strftime("%H:%M"), datetime.combine(day, t, JAPAN))
        for t in sorted(set(settings.report_times))
    ]

    def figures(tally: _Tally) -> DayFigures:
        return _figures(tally, people, start=start, end=end, now=now, moments=moments)

    return DailyReport(
        date=day,
        as_of=now,
        times=[label for label, _ in moments],
        shelters=[
            ShelterDay(
                id=s.id,
                name=s.name,
                capacity=s.capacity,
                open=s.open,
                **figures(tallies[s.id]).model_dump(),
            )
            for s in shelters
        ],
        total=figures(everyone),
    )


def _histories(session: Session, *, before: datetime) -> list[History]:
    """Every household's refolded history up to ``before``, merged records in the one
    they joined (as ``events/rebuild.py`` folds them)."""
    sizes: dict[str, int] = {}
    root: dict[str, str] = {}
    for household_id, size, merged_into in session.exec(
        select(Household.id, Household.size, Household.merged_into)
    ).all():
        sizes[household_id] = size
        root[household_id] = merged_into or household_id
    steps: dict[str, list[Step]] = defaultdict(list)
    # STEP_COLUMNS are Step's fields in order, whatever fields a step gains.
    for *step, household_id in session.execute(
        select_rows(*sql.STEP_COLUMNS, col(Event.household_id)).where(
            col(Event.occurred_at) < before
        )
    ).all():
        steps[root[household_id]].append(Step(*step))
    return [history(hid, hsteps, size=sizes[hid]) for hid, hsteps in steps.items()]


@dataclass(frozen=True)
class _Household:
    pets: int
    care: dict[str, int]  # need -> people with it


def _people(
    session: Session, ids: set[str], *, year: int, settings: Settings
) -> dict[str, _Household]:
    """Pets and care needs of the households present that day (as their records say now)."""
    found: dict[str, _Household] = {}
    ordered = sorted(ids)
    for index in range(0, len(ordered), _CHUNK):
        chunk = ordered[index : index + _CHUNK]
        pets = dict(
            session.exec(
                select(Household.id, Household.pets).where(col(Household.id).in_(chunk))
            ).all()
        )
        care: dict[str, dict[str, int]] = {hid: defaultdict(int) for hid in chunk}
        for household_id, birth_year, needs in session.exec(
            select(Member.household_id, Member.birth_year, Member.needs).where(
                col(Member.household_id).in_(chunk)
            )
        ).all():
            for need in care_of(needs, birth_year, year=year, settings=settings):
                care[household_id][need] += 1
        for hid in chunk:
            found[hid] = _Household(pets.get(hid, 0), dict(care[hid]))
    return found


def _figures(
    tally: _Tally,
    people: dict[str, _Household],
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    moments: Sequence[tuple[str, datetime]],
) -> DayFigures:
    flows = sorted(tally.flows, key=lambda f: f.at)
    before = [f for f in flows if f.at < start]
    during = [f for f in flows if start <= f.at < end]
    base = {side: sum(f.delta for f in before if f.side is side) for side in Side}

    def at(moment: datetime, side: Side) -> int | None:
        if moment > now:
            return None
        return base[side] + sum(f.delta for f in during if f.side is side and f.at <= moment)

    counts = [
        CountAt(
            time=label, at=moment, inside=at(moment, Side.inside), outside=at(moment, Side.outside)
        )
        for label, moment in moments
    ]
    peak, peak_at, running = base[Side.inside], start, base[Side.inside]
    # Flows of one instant (both ends of a move) are applied together before comparing.
    for instant, same in groupby((f for f in during if f.side is Side.inside), key=lambda f: f.at):
        running += sum(f.delta for f in same)
        if running > peak:
            peak, peak_at = running, instant

    def moved(kind: Kind) -> int:
        return sum(abs(f.delta) for f in during if f.kind is kind)

    care = {need.value: 0 for need in Need}
    for household_id in tally.households:
        for need, count in people[household_id].care.items():
            care[need] += count
    return DayFigures(
        in_use=bool(tally.households),
        counts=counts,
        peak=Peak(people=peak, at=peak_at.astimezone(JAPAN)),
        arrivals=moved(Kind.arrival),
        departures=moved(Kind.departure),
        moved_in=moved(Kind.moved_in),
        moved_out=moved(Kind.moved_out),
        households=len(tally.households),
        pets=sum(people[h].pets for h in tally.households),
        care=care,
    )
