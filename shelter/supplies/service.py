"""The supplies estimate: per shelter, per day, for the people inside and outside it now.

People and pets come from the households in a shelter now (their live rows, which always
equal a rebuild from the log); who needs what comes from their members (``reports/care.py``,
the same rule the daily report uses). When only part of a household is there, all of its
members' needs count, as on HQ's needs panel: a missing infant's formula is worse than a
spare one. The rates are settings (``SHELTER_SUPPLY_*``, README "Supplies").
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select as select_rows
from sqlmodel import Session, col, select

from shelter.config import Settings
from shelter.db import utcnow
from shelter.households.schemas import Need
from shelter.reports.care import care_of
from shelter.reports.daily import today
from shelter.reports.sides import Side, side_of_household
from shelter.supplies.schemas import Rates, ShelterSupplies, Supplies, Supply, SupplyTotals
from shelter.tables import Household, Member, Shelter


@dataclass
class _Count:
    people: int = 0
    pets: int = 0
    infants: int = 0
    allergies: int = 0
    elderly: int = 0
    medical_care: int = 0

    def add(self, other: _Count) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def estimate(session: Session, settings: Settings) -> Supplies:
    year = today().year
    shelters = session.exec(select(Shelter).order_by(col(Shelter.id))).all()
    counts: dict[tuple[str, Side], _Count] = defaultdict(_Count)
    households = session.execute(
        select_rows(
            col(Household.id),
            col(Household.shelter_id),
            col(Household.present),
            col(Household.pets),
            col(Household.present_stay),
        ).where(col(Household.present) > 0)
    ).all()
    where: dict[str, tuple[str, Side]] = {}
    for household_id, shelter_id, present, pets, stay in households:
        if shelter_id is None:
            continue
        key = (shelter_id, side_of_household(stay))
        counts[key].people += present
        counts[key].pets += pets
        where[household_id] = key
    ids = sorted(where)
    for first in range(0, len(ids), 2000):
        for household_id, birth_year, needs in session.exec(
            select(Member.household_id, Member.birth_year, Member.needs).where(
                col(Member.household_id).in_(ids[first : first + 2000])
            )
        ).all():
            care = care_of(needs, birth_year, year=year, settings=settings)
            count = counts[where[household_id]]
            count.infants += Need.infant.value in care
            count.allergies += Need.allergy.value in care
            count.elderly += Need.elderly.value in care
            count.medical_care += Need.medical_care.value in care

    def supply(count: _Count) -> Supply:
        meals = settings.supply_meals_per_day
        return Supply(
            people=count.people,
            meals=math.ceil(count.people * meals),
            allergy_meals=math.ceil(count.allergies * meals),
            water_litres=round(count.people * settings.supply_water_litres_per_day, 1),
            infants=count.infants,
            allergies=count.allergies,
            elderly=count.elderly,
            medical_care=count.medical_care,
            pets=count.pets,
        )

    rows: list[ShelterSupplies] = []
    totals = {side: _Count() for side in Side}
    for shelter in shelters:
        inside, outside = counts[(shelter.id, Side.inside)], counts[(shelter.id, Side.outside)]
        both = _Count()
        both.add(inside)
        both.add(outside)
        totals[Side.inside].add(inside)
        totals[Side.outside].add(outside)
        rows.append(
            ShelterSupplies(
                id=shelter.id,
                name=shelter.name,
                open=shelter.open,
                inside=supply(inside),
                outside=supply(outside),
                total=supply(both),
            )
        )
    everyone = _Count()
    everyone.add(totals[Side.inside])
    everyone.add(totals[Side.outside])
    return Supplies(
        as_of=utcnow(),
        rates=Rates(
            meals_per_day=settings.supply_meals_per_day,
            water_litres_per_day=settings.supply_water_litres_per_day,
            elderly_age=settings.elderly_age,
            infant_age_below=settings.infant_age_below,
        ),
        shelters=rows,
        total=SupplyTotals(
            inside=supply(totals[Side.inside]),
            outside=supply(totals[Side.outside]),
            total=supply(everyone),
        ),
    )
