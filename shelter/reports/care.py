"""Who needs what, person by person: the one rule for the daily report and the supplies.

A member's needs are what the household said (``households/needs.py`` names them), plus
what a year of birth says by itself: from ``elderly_age`` on a person counts as elderly,
and under ``infant_age_below`` as an infant (formula, nappies, baby food), whether or not
anyone ticked the box. Ages are counted in whole years from the year of birth alone (the
month is not asked), so a person may count a year early: HQ would rather over-plan care.
"""

from __future__ import annotations

from collections.abc import Iterable

from shelter.config import Settings
from shelter.households.schemas import Need


def care_of(
    needs: Iterable[str], birth_year: int | None, *, year: int, settings: Settings
) -> set[str]:
    """Every need that counts for this person in ``year``."""
    kinds = {need for need in needs if need in Need.__members__}
    if birth_year is not None:
        age = year - birth_year
        if age >= settings.elderly_age:
            kinds.add(Need.elderly.value)
        if 0 <= age < settings.infant_age_below:
            kinds.add(Need.infant.value)
    return kinds
