"""Registering households, finding them by pass, and who is inside a shelter now."""

from __future__ import annotations

import csv
import io
import uuid

from sqlmodel import Session, col, select

from shelter.db import utcnow
from shelter.errors import UnknownPass
from shelter.households import passes
from shelter.households.schemas import (
    HouseholdCreate,
    MemberPublic,
    Need,
    NeedsBreakdown,
    Roster,
    RosterEntry,
    ShelterNeeds,
)
from shelter.tables import Household, Member, Shelter


def _new_household(session: Session, **fields: object) -> Household:
    household = Household(
        id=uuid.uuid4().hex,
        pass_code=passes.new_code(),
        **fields,  # type: ignore[arg-type]
    )
    session.add(household)
    return household


def register(session: Session, data: HouseholdCreate) -> Household:
    household = _new_household(
        session,
        size=len(data.members),
        pets=data.pets,
        language=data.language,
        phone=data.phone,
    )
    for position, member in enumerate(data.members):
        session.add(
            Member(
                household_id=household.id,
                position=position,
                name=member.name,
                name_kana=member.name_kana,
                birth_year=member.birth_year,
                sex=member.sex,
                needs=[need.value for need in member.needs],
            )
        )
    session.flush()
    return household


def by_pass(session: Session, code: str) -> Household:
    normalized = passes.normalize(code)
    household = (
        session.exec(select(Household).where(Household.pass_code == normalized)).first()
        if normalized
        else None
    )
    if household is None:
        raise UnknownPass()
    return household


def roster(session: Session, *, shelter_id: str) -> Roster:
    households = session.exec(
        select(Household)
        .where(Household.shelter_id == shelter_id, col(Household.present) > 0)
        .order_by(col(Household.since), col(Household.id))
    ).all()
    ids = [h.id for h in households]
    members: dict[str, list[Member]] = {h: [] for h in ids}
    if ids:
        for member in session.exec(
            select(Member)
            .where(col(Member.household_id).in_(ids))
            .order_by(col(Member.household_id), col(Member.position))
        ).all():
            members[member.household_id].append(member)
    entries = [
        RosterEntry(
            household_id=h.id,
            pass_code=h.pass_code,
            anonymous=h.anonymous,
            size=h.size,
            present=h.present,
            since=h.since,
            pets=h.pets,
            language=h.language,
            phone=h.phone,
            members=[
                MemberPublic(
                    name=m.name,
                    name_kana=m.name_kana,
                    birth_year=m.birth_year,
                    sex=m.sex,
                    needs=list(m.needs),
                )
                for m in members[h.id]
            ],
        )
        for h in households
    ]
    return Roster(
        shelter_id=shelter_id,
        as_of=utcnow(),
        households=len(entries),
        people=sum(e.present for e in entries),
        entries=entries,
    )


ROSTER_CSV_COLUMNS = (
    "household_id",
    "present",
    "size",
    "since",
    "member",
    "name",
    "name_kana",
    "birth_year",
    "sex",
    "needs",
    "pets",
    "language",
    "phone",
)


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # A cell starting with = + - @ runs as a formula in Excel: neutralise it.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def roster_csv(data: Roster) -> str:
    """One row per member (walk-in groups: one row), in UTF-8 with BOM so Excel reads it."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(ROSTER_CSV_COLUMNS)
    for entry in data.entries:
        since = entry.since.isoformat() if entry.since else ""
        rows: list[MemberPublic | None] = list(entry.members) or [None]
        for index, member in enumerate(rows, start=1):
            writer.writerow(
                [
                    _cell(v)
                    for v in (
                        entry.household_id,
                        entry.present,
                        entry.size,
                        since,
                        index if member else "",
                        member.name if member else "(walk-in)",
                        member.name_kana if member else "",
                        member.birth_year if member else "",
                        member.sex if member else "",
                        " ".join(member.needs) if member else "",
                        entry.pets,
                        entry.language,
                        entry.phone,
                    )
                ]
            )
    return out.getvalue()


def needs(session: Session) -> NeedsBreakdown:
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
            for need in set(member_needs):
                counts = shelters[where[household_id]].needs
                counts[need] = counts.get(need, 0) + 1
    return NeedsBreakdown(as_of=utcnow(), shelters=shelters)
