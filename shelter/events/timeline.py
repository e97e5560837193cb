"""Where a household is, from its events in the order they happened. No I/O.

A household's presence is a fold over its events sorted by (occurred_at, event_id): the
event_id only breaks exact ties, and makes the result independent of arrival order.
The live row in the database is this fold kept up to date; a late event (an offline
kiosk uploading hours later) is slotted into its place in time and the fold rerun, so
arrival order never matters. Rebuilding occupancy from the log is the same fold.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

CHECK_IN = "check_in"
CHECK_OUT = "check_out"


class Effect(StrEnum):
    checked_in = "checked_in"
    checked_out = "checked_out"
    moved = "moved"
    none = "none"


@dataclass(frozen=True)
class Step:
    kind: str
    shelter_id: str
    headcount: int | None  # None: the whole household
    occurred_at: datetime
    event_id: str  # breaks ties between events at the same instant, whatever arrived first


@dataclass(frozen=True)
class Presence:
    shelter_id: str | None = None
    people: int = 0
    since: datetime | None = None


NOWHERE = Presence()


def apply(state: Presence, step: Step, *, size: int) -> tuple[Presence, Effect, int]:
    """One event on one household: the new state, its effect, and how many people moved."""
    wanted = min(step.headcount if step.headcount is not None else size, size)
    if step.kind == CHECK_IN:
        if state.shelter_id == step.shelter_id:
            # More of the household arriving; a repeated scan changes nothing.
            people = min(size, state.people + wanted)
            added = people - state.people
            if added == 0:
                return state, Effect.none, 0
            return Presence(step.shelter_id, people, state.since), Effect.checked_in, added
        arrived = Presence(step.shelter_id, wanted, step.occurred_at)
        effect = Effect.moved if state.shelter_id is not None else Effect.checked_in
        return arrived, effect, wanted
    if state.shelter_id != step.shelter_id or state.people == 0:
        return state, Effect.none, 0
    left = min(wanted, state.people)
    remaining = state.people - left
    after = Presence(step.shelter_id, remaining, state.since) if remaining else NOWHERE
    return after, Effect.checked_out, left


def ordered(steps: Iterable[Step]) -> list[Step]:
    return sorted(steps, key=lambda s: (s.occurred_at, s.event_id))


def fold(steps: Iterable[Step], *, size: int) -> Presence:
    state = NOWHERE
    for step in ordered(steps):
        state, _, _ = apply(state, step, size=size)
    return state


def insert(history: Iterable[Step], new: Step, *, size: int) -> tuple[Presence, Effect, int]:
    """Slot ``new`` into ``history`` by time: the final state, and what ``new`` itself did."""
    state = NOWHERE
    effect, people = Effect.none, 0
    for step in ordered([*history, new]):
        state, step_effect, step_people = apply(state, step, size=size)
        if step is new:
            effect, people = step_effect, step_people
    return state, effect, people
