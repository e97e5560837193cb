"""How people moved, from the event log alone: each household's history refolded. No I/O.

A household's events are folded in ``occurred_at`` order (``events/timeline.py``, the same
fold the counts and ``shelter check`` use) with the size it has now, so a late event from an
offline kiosk lands at the time it happened and a corrected size counts from the start.
Each change of presence becomes ``Flow`` rows: people arriving at or leaving one shelter,
on one side of its door, at one instant. Counts at any moment are sums of flows up to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from shelter.events import timeline
from shelter.events.timeline import NOWHERE, Presence, Step
from shelter.reports.sides import Side, side_of


class Kind(StrEnum):
    arrival = "arrival"  # checked in from nowhere (or more of a household came)
    departure = "departure"  # checked out (or part of a household left)
    moved_in = "moved_in"  # came from another shelter
    moved_out = "moved_out"  # went to another shelter
    restayed = "restayed"  # moved between inside and outside of the same shelter


@dataclass(frozen=True, slots=True)
class Flow:
    at: datetime
    household_id: str
    shelter_id: str
    side: Side
    delta: int
    kind: Kind


@dataclass(frozen=True, slots=True)
class History:
    """One household's flows, and where it was at each moment they describe."""

    household_id: str
    flows: list[Flow]
    # (from, presence) in time order: the household was at ``presence`` from ``from`` on.
    presences: list[tuple[datetime, Presence]]

    def present_between(self, start: datetime, end: datetime) -> set[str]:
        """Shelters the household had people in at some moment of [start, end)."""
        shelters: set[str] = set()
        current = NOWHERE
        for at, presence in self.presences:
            if at >= end:
                break
            if at > start and current.shelter_id is not None and current.people > 0:
                shelters.add(current.shelter_id)
            current = presence
        if current.shelter_id is not None and current.people > 0:
            shelters.add(current.shelter_id)
        return shelters


def _between(before: Presence, after: Presence, *, at: datetime, household_id: str) -> list[Flow]:
    def flow(presence: Presence, delta: int, kind: Kind) -> Flow:
        assert presence.shelter_id is not None
        return Flow(at, household_id, presence.shelter_id, side_of(presence), delta, kind)

    if before.shelter_id is not None and before.shelter_id == after.shelter_id:
        if side_of(before) != side_of(after):
            return [
                flow(before, -before.people, Kind.restayed),
                flow(after, after.people, Kind.restayed),
            ]
        grown = after.people - before.people
        if grown == 0:
            return []
        return [flow(after, grown, Kind.arrival if grown > 0 else Kind.departure)]
    flows: list[Flow] = []
    if before.shelter_id is not None and before.people:
        gone = Kind.departure if after.shelter_id is None else Kind.moved_out
        flows.append(flow(before, -before.people, gone))
    if after.shelter_id is not None and after.people:
        came = Kind.arrival if before.shelter_id is None else Kind.moved_in
        flows.append(flow(after, after.people, came))
    return flows


def history(household_id: str, steps: Iterable[Step], *, size: int) -> History:
    """Refold one household's events (its own and those of records merged into it)."""
    state = NOWHERE
    flows: list[Flow] = []
    presences: list[tuple[datetime, Presence]] = []
    for step in timeline.ordered(steps):
        after, _, _ = timeline.apply(state, step, size=size)
        if after != state:
            flows.extend(_between(state, after, at=step.occurred_at, household_id=household_id))
            presences.append((step.occurred_at, after))
        state = after
    return History(household_id, flows, presences)
