"""Inside or outside: the one place that decides which side of the door a person counts on.

People who sleep in a car in the car park, in a tent, or at home are evacuees of the shelter
(they come for food, water and news) but take no space inside. The daily report and the
supplies estimate both ask ``side_of`` and nothing else.
"""

from __future__ import annotations

from enum import StrEnum

from shelter.events.timeline import Presence


class Side(StrEnum):
    inside = "inside"
    outside = "outside"


# Stays (避難先) that count outside; "shelter" (and not saying) is inside.
OUTSIDE_STAYS = frozenset({"car", "tent", "home"})


def side(stay: str | None) -> Side:
    """The side a stay counts on."""
    return Side.outside if stay in OUTSIDE_STAYS else Side.inside


def side_of(presence: Presence) -> Side:
    """Where a household's presence counts: by the stay it checked in with."""
    return side(presence.stay)


def side_of_household(present_stay: str | None) -> Side:
    """Where a household that is in a shelter now counts, from its live row's
    ``present_stay`` (kept with its presence by the check-in path)."""
    return side(present_stay)
