"""Where a household is, from its events in the order they happened. No I/O.

A household's presence is a fold over its events sorted by (occurred_at, event_id): the
event_id only breaks exact ties, and makes the result independent of arrival order.
The live row in the database is this fold kept up to date; a late event (an offline
kiosk uploading hours later) is slotted into its place in time and the fold rerun, so
arrival order never matters. Rebuilding occupancy from the log is the same fold.

A presence also says where at the shelter its people stay: inside (``shelter``) or outside
(``car``, ``tent``, ``home``: they come for food, water and news, and take no space). What
a presence weighs on its shelter's counts is its ``Load`` (``load``): people inside count
into occupancy, and into the accessible space and the pet area by the household's
``Profile``; people outside count into ``outside`` alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

CHECK_IN = "check_in"
CHECK_OUT = "check_out"

# Where the people of a check-in stay: inside, or outside (counted, but taking no space).
INSIDE = "shelter"
STAYS = (INSIDE, "car", "tent", "home")
# Members with these needs count into a shelter's accessible space (福祉避難スペース).
ACCESSIBLE_NEEDS = frozenset({"wheelchair", "medical_care"})


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
    stay: str = INSIDE  # where the people of a check-in stay (a check-out ignores it)


@dataclass(frozen=True)
class Presence:
    shelter_id: str | None = None
    people: int = 0
    since: datetime | None = None
    stay: str = INSIDE  # where they stay at that shelter


NOWHERE = Presence()


def apply(state: Presence, step: Step, *, size: int) -> tuple[Presence, Effect, int]:
    """One event on one household: the new state, its effect, and how many people moved."""
    wanted = min(step.headcount if step.headcount is not None else size, size)
    if step.kind == CHECK_IN:
        if state.shelter_id == step.shelter_id and state.stay != step.stay:
            # Moving inside or out at the same shelter: those present move, together (a
            # household stays in one place), with any more the headcount says are here.
            people = min(size, max(state.people, wanted))
            return (
                Presence(step.shelter_id, people, state.since, step.stay),
                Effect.checked_in,
                people,
            )
        if state.shelter_id == step.shelter_id:
            # More of the household arriving; a repeated scan changes nothing.
            people = min(size, state.people + wanted)
            added = people - state.people
            if added == 0:
                return state, Effect.none, 0
            after = Presence(step.shelter_id, people, state.since, state.stay)
            return after, Effect.checked_in, added
        arrived = Presence(step.shelter_id, wanted, step.occurred_at, step.stay)
        effect = Effect.moved if state.shelter_id is not None else Effect.checked_in
        return arrived, effect, wanted
    if state.shelter_id != step.shelter_id or state.people == 0:
        return state, Effect.none, 0
    left = min(wanted, state.people)
    remaining = state.people - left
    after = Presence(step.shelter_id, remaining, state.since, state.stay) if remaining else NOWHERE
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


# -- what a presence weighs on its shelter's counts ----------------------------------------


@dataclass(frozen=True)
class Profile:
    """What of a household uses special space: members needing the accessible space, pets."""

    accessible: int = 0
    pets: int = 0


def accessible_members(needs: Iterable[Iterable[str]]) -> int:
    """How many members (each given by their needs) count into the accessible space."""
    return sum(1 for member in needs if ACCESSIBLE_NEEDS.intersection(member))


@dataclass(frozen=True)
class Load:
    """One shelter's four counts, or a change of them."""

    occupancy: int = 0
    accessible: int = 0
    pets: int = 0
    outside: int = 0

    def __add__(self, other: Load) -> Load:
        return Load(
            self.occupancy + other.occupancy,
            self.accessible + other.accessible,
            self.pets + other.pets,
            self.outside + other.outside,
        )

    def __neg__(self) -> Load:
        return Load(-self.occupancy, -self.accessible, -self.pets, -self.outside)

    def __sub__(self, other: Load) -> Load:
        return self + -other

    def __bool__(self) -> bool:
        return self != ZERO


ZERO = Load()


def load(presence: Presence, profile: Profile) -> Load:
    """What a presence counts at its shelter: the one rule for spaces and outside.

    People outside take no space: they count into ``outside`` alone. Inside, the members
    who need the accessible space count into it, at most as many as are present: on a
    partial headcount the roster does not say who came, and the space is planned for the
    people who need it most (over-planning care beats a wheelchair user with no place).
    Pets come with the household: all of them count once anyone is inside.
    """
    if presence.shelter_id is None or presence.people <= 0:
        return ZERO
    if presence.stay != INSIDE:
        return Load(outside=presence.people)
    return Load(
        occupancy=presence.people,
        accessible=min(profile.accessible, presence.people),
        pets=profile.pets,
    )
