"""The pure fold that decides where a household is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shelter.events.timeline import (
    CHECK_IN,
    CHECK_OUT,
    NOWHERE,
    Effect,
    Presence,
    Step,
    apply,
    fold,
    insert,
)

T0 = datetime(2026, 11, 22, 9, tzinfo=UTC)


def step(kind: str, shelter: str, minute: int, headcount: int | None = None, seq: int = 0) -> Step:
    return Step(kind, shelter, headcount, T0 + timedelta(minutes=minute), f"e{seq}")


def test_check_in_from_nowhere_brings_the_whole_household() -> None:
    """Without a headcount, every member arrives."""
    state, effect, people = apply(NOWHERE, step(CHECK_IN, "A", 0), size=4)
    assert (state, effect, people) == (Presence("A", 4, T0), Effect.checked_in, 4)


def test_check_in_elsewhere_is_a_move_of_the_arriving_people() -> None:
    """Arriving at B while in A moves the household; B gets the people who arrived."""
    state, effect, people = apply(Presence("A", 2, T0), step(CHECK_IN, "B", 5, 3), size=3)
    assert (state.shelter_id, state.people, effect, people) == ("B", 3, Effect.moved, 3)


def test_check_out_of_more_than_are_inside_takes_out_only_those_inside() -> None:
    """A check-out never makes a count negative."""
    state, effect, people = apply(Presence("A", 2, T0), step(CHECK_OUT, "A", 5, 4), size=4)
    assert (state, effect, people) == (NOWHERE, Effect.checked_out, 2)


def test_headcount_above_size_is_capped_at_size() -> None:
    """The fold never puts more people in than the household has."""
    state, _, people = apply(NOWHERE, step(CHECK_IN, "A", 0, 9), size=2)
    assert (state.people, people) == (2, 2)


def test_fold_ignores_arrival_order() -> None:
    """The same events in any order fold to the same presence."""
    events = [
        step(CHECK_IN, "A", 0, seq=3),
        step(CHECK_OUT, "A", 10, seq=1),
        step(CHECK_IN, "B", 20, seq=2),
    ]
    assert (
        fold(events, size=2)
        == fold(list(reversed(events)), size=2)
        == Presence("B", 2, T0 + timedelta(minutes=20))
    )


def test_equal_times_are_ordered_by_event_id_not_arrival() -> None:
    """Two events at the same instant apply in one fixed order, whichever arrived first."""
    events = [step(CHECK_OUT, "A", 0, seq=2), step(CHECK_IN, "A", 0, seq=1)]
    assert fold(events, size=1) == fold(list(reversed(events)), size=1) == NOWHERE


def test_insert_reports_the_effect_at_the_events_own_moment() -> None:
    """A late check-out slotted between two check-ins reports its own effect."""
    history = [step(CHECK_IN, "A", 0, 2, seq=1), step(CHECK_IN, "A", 20, 2, seq=2)]
    state, effect, people = insert(history, step(CHECK_OUT, "A", 10, 1, seq=3), size=4)
    assert (effect, people) == (Effect.checked_out, 1)
    assert state.people == 3
