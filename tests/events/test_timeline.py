"""The pure fold that decides where a household is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shelter.events.timeline import (
    CHECK_IN,
    CHECK_OUT,
    NOWHERE,
    Effect,
    Load,
    Presence,
    Profile,
    Step,
    accessible_members,
    apply,
    fold,
    insert,
    load,
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


# -- where they stay, and what a presence weighs -----------------------------------------


def stay_step(shelter: str, minute: int, stay: str, headcount: int | None = None) -> Step:
    return Step(CHECK_IN, shelter, headcount, T0 + timedelta(minutes=minute), f"s{minute}", stay)


def test_a_check_in_with_another_stay_moves_those_present_inside_or_out() -> None:
    """Two of four in the car; a check-in inside with no headcount brings all four in."""
    state, _, _ = apply(NOWHERE, stay_step("A", 0, "car", 2), size=4)
    assert (state.people, state.stay) == (2, "car")
    state, effect, people = apply(state, stay_step("A", 5, "shelter"), size=4)
    assert (state.people, state.stay, state.since, effect, people) == (
        4,
        "shelter",
        T0,
        Effect.checked_in,
        4,
    )


def test_a_stay_change_with_a_small_headcount_moves_everyone_present() -> None:
    """A household stays in one place: 3 present, 'one to the tent' moves the 3."""
    state, _, _ = apply(NOWHERE, stay_step("A", 0, "shelter", 3), size=4)
    state, _, people = apply(state, stay_step("A", 5, "tent", 1), size=4)
    assert (state.people, state.stay, people) == (3, "tent", 3)


def test_the_same_stay_again_only_adds_arrivals() -> None:
    """A repeated scan in the car changes nothing; a check-out keeps the stay of the rest."""
    state, _, _ = apply(NOWHERE, stay_step("A", 0, "car"), size=2)
    again, effect, _ = apply(state, stay_step("A", 5, "car"), size=2)
    assert (again, effect) == (state, Effect.none)
    left, _, _ = apply(state, step(CHECK_OUT, "A", 9, 1), size=2)
    assert (left.people, left.stay) == (1, "car")


def test_load_counts_outside_apart_and_care_needs_at_most_those_present() -> None:
    """Outside: outside only. Inside: accessible up to those present, every pet."""
    profile = Profile(accessible=2, pets=3)
    assert load(Presence("A", 3, T0, "home"), profile) == Load(outside=3)
    assert load(Presence("A", 1, T0), profile) == Load(occupancy=1, accessible=1, pets=3)
    assert load(Presence("A", 4, T0), profile) == Load(occupancy=4, accessible=2, pets=3)
    assert load(NOWHERE, profile) == Load()


def test_accessible_members_are_those_with_wheelchair_or_medical_care() -> None:
    """Other needs (elderly, infant) use no accessible place."""
    assert accessible_members([["wheelchair"], ["medical_care", "elderly"], ["elderly"], []]) == 2
