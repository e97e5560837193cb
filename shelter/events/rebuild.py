"""The counts again, from the event log alone: what ``shelter check`` compares with."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select as select_rows
from sqlmodel import Session, col, func, select

from shelter.events import statements as sql
from shelter.events import timeline
from shelter.events.timeline import Step
from shelter.tables import CountChange, Event, Household, Shelter


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
        select_rows(*sql.STEP_COLUMNS, col(Event.household_id))
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
