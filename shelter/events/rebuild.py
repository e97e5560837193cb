"""The counts again, from the event log alone: what ``shelter check`` compares with.

Every count a shelter keeps (occupancy, the accessible space, the pet area, outside) is
rebuilt, as a ``Load`` per shelter: the fold of each household's history weighed by its
size, needs and pets (``timeline.load``), and the sums of the count-change ledger.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select as select_rows
from sqlmodel import Session, col, func, select

from shelter.events import statements as sql
from shelter.events import timeline
from shelter.events.timeline import ZERO, Load, Profile, Step
from shelter.tables import CountChange, Event, Household, Shelter


def rebuild(session: Session) -> dict[str, Load]:
    """Every count per shelter recomputed from the event log alone."""
    sizes: dict[str, int] = {}
    profiles: dict[str, Profile] = {}
    root: dict[str, str] = {}  # a merged record's events belong to the household it joined
    for household_id, size, accessible, pets, merged_into in session.execute(
        select_rows(
            col(Household.id),
            col(Household.size),
            col(Household.accessible),
            col(Household.pets),
            col(Household.merged_into),
        )
    ).all():
        sizes[household_id] = size
        profiles[household_id] = Profile(accessible, pets)
        root[household_id] = merged_into or household_id
    steps: dict[str, list[Step]] = defaultdict(list)
    for *step, household_id in session.execute(
        select_rows(*sql.STEP_COLUMNS, col(Event.household_id))
    ).all():
        steps[root[household_id]].append(Step(*step))
    counts: dict[str, Load] = {sid: ZERO for sid in session.exec(select(Shelter.id)).all()}
    for household_id, history in steps.items():
        presence = timeline.fold(history, size=sizes[household_id])
        if presence.shelter_id is not None:
            counts[presence.shelter_id] += timeline.load(presence, profiles[household_id])
    return counts


def live_counts(session: Session) -> dict[str, Load]:
    return {
        sid: Load(occupancy, accessible, pets, outside)
        for sid, occupancy, accessible, pets, outside in session.execute(
            select_rows(
                col(Shelter.id),
                col(Shelter.occupancy),
                col(Shelter.accessible_occupancy),
                col(Shelter.pets_occupancy),
                col(Shelter.outside),
            )
        ).all()
    }


def ledger_counts(session: Session) -> dict[str, Load]:
    """Every count per shelter as the sum of the count changes the log recorded."""
    counts: dict[str, Load] = {sid: ZERO for sid in session.exec(select(Shelter.id)).all()}
    for shelter_id, *totals in session.execute(
        select_rows(
            col(CountChange.shelter_id),
            func.sum(col(CountChange.delta)),
            func.sum(col(CountChange.accessible_delta)),
            func.sum(col(CountChange.pets_delta)),
            func.sum(col(CountChange.outside_delta)),
        ).group_by(col(CountChange.shelter_id))
    ).all():
        counts[shelter_id] = Load(*(int(total) for total in totals))
    return counts
