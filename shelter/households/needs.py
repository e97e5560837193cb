"""People who need special care (要配慮者) and pets, counted per shelter, for hq."""

from __future__ import annotations

from sqlmodel import Session, col, select

from shelter.db import utcnow
from shelter.households.schemas import Need, NeedsBreakdown, ShelterNeeds
from shelter.tables import Household, Member, Shelter


def breakdown(session: Session) -> NeedsBreakdown:
    """Per shelter: households and people inside, pets, and people with each need.

    When only part of a household is inside, its members' needs are still counted: the
    roster does not record which members came, and HQ would rather over-plan care.
    """
    shelters = {
        sid: ShelterNeeds(households=0, people=0, pets=0, needs={n.value: 0 for n in Need})
        for sid in session.exec(select(Shelter.id)).all()
    }
    present = session.exec(
        select(Household.id, Household.shelter_id, Household.present, Household.pets).where(
            col(Household.present) > 0
        )
    ).all()
    where: dict[str, str] = {}
    for household_id, shelter_id, people, pets in present:
        if shelter_id is None:
            continue
        entry = shelters[shelter_id]
        entry.households += 1
        entry.people += people
        entry.pets += pets
        where[household_id] = shelter_id
    if where:
        for household_id, member_needs in session.exec(
            select(Member.household_id, Member.needs).where(col(Member.household_id).in_(where))
        ).all():
            if member_needs:
                shelters[where[household_id]].with_needs += 1
            for need in set(member_needs):
                counts = shelters[where[household_id]].needs
                counts[need] = counts.get(need, 0) + 1
    return NeedsBreakdown(as_of=utcnow(), shelters=shelters)
