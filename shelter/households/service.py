"""A household's record: registering, pre-printed passes, reading, correcting, merging,
erasing. (Who is inside a shelter now: ``roster.py``; needs counted per shelter: ``needs.py``.)

Personal and needs data go only to staff of the shelter a household is in now, and to hq
(``auth.authorize`` with ``Act.personal``); every read or change of it leaves an audit
entry in the same transaction. Every function here is a work for the write path
(``writes/path.py``): it returns a ``Change`` naming the shelters whose counts moved.
Corrections and merges that change how many people a household is refold its event
history (``events.counts.settle``), so the counts stay what a rebuild from the log gives.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, delete, select

from shelter.audit import service as audit
from shelter.audit.schemas import Action
from shelter.auth import service as auth
from shelter.auth.schemas import Role
from shelter.db import utcnow
from shelter.errors import Conflict, Invalid, NotFound, UnknownPass
from shelter.events import counts
from shelter.events.counts import Footprint
from shelter.events.timeline import INSIDE, Presence, Profile, accessible_members
from shelter.households.schemas import (
    HouseholdCreate,
    HouseholdCreated,
    HouseholdRecord,
    HouseholdUpdate,
    MemberIn,
    MemberPublic,
    Stay,
)
from shelter.passes import new_code, normalize
from shelter.tables import Household, Member, Origin
from shelter.writes import locks
from shelter.writes.path import Change, done


def _new_household(session: Session, **fields: object) -> Household:
    household = Household(
        id=uuid.uuid4().hex,
        pass_code=new_code(),
        **fields,  # type: ignore[arg-type]
    )
    session.add(household)
    return household


def _add_members(
    session: Session, household_id: str, members: Sequence[MemberIn], *, start: int = 0
) -> None:
    for position, member in enumerate(members, start=start):
        session.add(
            Member(
                household_id=household_id,
                position=position,
                name=member.name,
                name_kana=member.name_kana,
                birth_year=member.birth_year,
                sex=member.sex,
                needs=[need.value for need in member.needs],
            )
        )


def register(
    session: Session, *, data: HouseholdCreate, principal: auth.Principal | None = None
) -> Change[HouseholdCreated]:
    """A new household and its pass; staff and hq registering on someone's behalf are audited."""
    on_behalf = principal is not None and principal.role in (Role.staff, Role.hq)
    if data.size is not None and not on_behalf:
        raise Invalid(
            "size: only staff and hq may register more people than the names given; "
            "list everyone's name instead."
        )
    household = _new_household(
        session,
        size=data.size if data.size is not None else len(data.members),
        pets=data.pets,
        accessible=accessible_members(m.needs for m in data.members),
        language=data.language,
        phone=data.phone,
        stay=data.stay.value if data.stay else None,
        consent_safety_info=data.consent_safety_info,
        origin=Origin.staff.value if on_behalf else Origin.self.value,
        created_by=principal.token_id if principal else None,
    )
    _add_members(session, household.id, data.members)
    if principal is not None and on_behalf:
        audit.record(
            session,
            principal=principal,
            action=Action.register,
            household_id=household.id,
            shelter_id=principal.shelter_id,
        )
    session.flush()
    return done(
        HouseholdCreated(
            household_id=household.id, pass_code=household.pass_code, size=household.size
        )
    )


def preprint(session: Session, *, principal: auth.Principal, codes: Sequence[str]) -> Change[None]:
    """Blank households for a sheet of pre-printed passes (hq): one person each until used."""
    auth.authorize(principal, auth.Act.administer)
    for code in codes:
        session.add(
            Household(
                id=uuid.uuid4().hex,
                pass_code=code,
                anonymous=True,
                size=1,
                origin=Origin.preprinted.value,
                created_by=principal.token_id,
            )
        )
    audit.record(session, principal=principal, action=Action.sheet, detail=f"{len(codes)} passes")
    session.flush()
    return done(None)


def by_pass(session: Session, code: str) -> Household:
    normalized = normalize(code)
    household = (
        session.exec(select(Household).where(Household.pass_code == normalized)).first()
        if normalized
        else None
    )
    if household is None:
        raise UnknownPass()
    return household


# -- one household's record: who may see it, reading, correcting, merging, erasing --------


def ensure_may_see(principal: auth.Principal, household: Household) -> None:
    """Personal data: hq, or staff of the shelter the household is in now. Never a kiosk."""
    auth.authorize(principal, auth.Act.personal, shelter_id=household.shelter_id)


def _members_of(session: Session, household_id: str) -> list[Member]:
    return list(
        session.exec(
            select(Member)
            .where(Member.household_id == household_id)
            .order_by(col(Member.position), col(Member.id))
        ).all()
    )


def public(member: Member) -> MemberPublic:
    return MemberPublic(
        name=member.name,
        name_kana=member.name_kana,
        birth_year=member.birth_year,
        sex=member.sex,
        needs=list(member.needs),
    )


def details(household: Household, members: Sequence[Member]) -> dict[str, Any]:
    """What a roster entry and a record both show of a household: one mapping for both."""
    return {
        "household_id": household.id,
        "pass_code": household.pass_code,
        "anonymous": household.anonymous,
        "size": household.size,
        "present": household.present,
        "since": household.since,
        "pets": household.pets,
        "language": household.language,
        "phone": household.phone,
        "stay": Stay(household.stay) if household.stay else None,
        "consent_safety_info": household.consent_safety_info,
        "members": [public(m) for m in members],
    }


def to_record(session: Session, household: Household) -> HouseholdRecord:
    return HouseholdRecord(
        **details(household, _members_of(session, household.id)),
        origin=Origin(household.origin),
        shelter_id=household.shelter_id,
        created_at=household.created_at,
        merged_into=household.merged_into,
        merged_records=household.merged_records,
        erased_at=household.erased_at,
    )


def _locked(session: Session, ids: Sequence[str]) -> dict[str, Household]:
    """The households, locked for a change; 404 for one that does not exist.

    Their shelters are locked first (``writes/locks.py``), as the check-in path does, so a
    correction and a check-in of the same household queue instead of deadlocking.
    """
    locks.take(
        session,
        session.exec(select(Household.shelter_id).where(col(Household.id).in_(ids))).all(),
    )
    found = {
        h.id: h
        for h in session.exec(
            select(Household)
            .where(col(Household.id).in_(ids))
            .order_by(col(Household.id))
            .with_for_update()
        ).all()
    }
    for household_id in ids:
        if household_id not in found:
            raise NotFound(f"No household with id {household_id!r}.")
    return found


def _footprint(household: Household) -> Footprint:
    """What a household weighs on its shelter's counts now, before a change to it."""
    presence = Presence(
        household.shelter_id, household.present, household.since, household.present_stay or INSIDE
    )
    return counts.footprint(presence, Profile(household.accessible, household.pets))


def _audited(
    session: Session, principal: auth.Principal, action: Action, household: Household
) -> None:
    """An audit entry for one household's record, where it is now (same transaction)."""
    audit.record(
        session,
        principal=principal,
        action=action,
        household_id=household.id,
        shelter_id=household.shelter_id,
    )


def _get(session: Session, household_id: str) -> Household:
    household = session.get(Household, household_id)
    if household is None:
        raise NotFound(f"No household with id {household_id!r}.")
    return household


def _ensure_current(household: Household) -> None:
    if household.merged_into is not None:
        raise Conflict(
            f"This record was merged into household {household.merged_into}; use that one."
        )


def read(
    session: Session, *, principal: auth.Principal, household_id: str
) -> Change[HouseholdRecord]:
    """The record, for staff of its shelter and hq; audited."""
    household = _get(session, household_id)
    ensure_may_see(principal, household)
    _audited(session, principal, Action.read, household)
    return done(to_record(session, household))


def card_name(household: Household, members: Sequence[Member]) -> str | None:
    """What a card calls the household: its first member, and how many more."""
    if not members:
        return None
    first = members[0].name
    return f"{first} ほか{len(members) - 1}名" if len(members) > 1 else first


def card(
    session: Session, *, principal: auth.Principal, household_id: str
) -> Change[tuple[str, str | None]]:
    """The pass code and the name to print on the household's card; audited."""
    household = _get(session, household_id)
    ensure_may_see(principal, household)
    _audited(session, principal, Action.card, household)
    return done((household.pass_code, card_name(household, _members_of(session, household.id))))


def correct(
    session: Session, *, principal: auth.Principal, household_id: str, data: HouseholdUpdate
) -> Change[HouseholdRecord]:
    """Replace a household's details (a correction, or details for a blank pass).

    A new size refolds the history, so the shelter it is in may count differently.
    """
    household = _locked(session, [household_id])[household_id]
    _ensure_current(household)
    ensure_may_see(principal, household)
    before = _footprint(household)
    if data.size is not None:
        size = data.size
    elif household.anonymous:
        # Details for a walk-in or a pre-printed pass: it may already count more people
        # than the few names given, and a correction must not quietly drop them.
        size = max(len(data.members), household.size)
    else:
        size = len(data.members)
    session.exec(delete(Member).where(col(Member.household_id) == household.id))
    _add_members(session, household.id, data.members)
    household.pets = data.pets
    household.accessible = accessible_members(m.needs for m in data.members)
    household.language = data.language
    household.phone = data.phone
    household.stay = data.stay.value if data.stay else None
    household.consent_safety_info = data.consent_safety_info
    household.anonymous = False
    session.add(household)
    _audited(session, principal, Action.correct, household)
    session.flush()
    touched = counts.settle(
        session,
        household_id=household.id,
        size=size,
        profile=Profile(household.accessible, household.pets),
        before=[before],
    )
    session.refresh(household)
    return done(to_record(session, household), touched=touched, needs=True)


def _merged_size(into: Household, other: Household, matched: int = 0) -> int:
    """Two records of one household: named members add up, less those matched as the same
    person; a blank record (a walk-in, a pre-printed pass) is the same people again, so it
    only sets a floor."""
    detailed = sum(h.size for h in (into, other) if not h.anonymous) - matched
    blank = max((h.size for h in (into, other) if h.anonymous), default=0)
    return max(detailed, blank, 1)


def _take_details(kept: Member, same: Member) -> None:
    """The kept member of a matched pair takes what it lacks from the other one."""
    kept.name_kana = kept.name_kana or same.name_kana
    kept.birth_year = kept.birth_year if kept.birth_year is not None else same.birth_year
    kept.sex = kept.sex or same.sex
    kept.needs = [*kept.needs, *(n for n in same.needs if n not in kept.needs)]


def merge(
    session: Session,
    *,
    principal: auth.Principal,
    household_id: str,
    from_household_id: str,
    same: Sequence[tuple[int, int]] = (),
) -> Change[HouseholdRecord]:
    """Merge another record of the same household into this one.

    The other record's members are appended, except those ``same`` names (pairs of an
    index in the other record and one in this) as a person already listed here: the kept
    member takes the details it lacks and nobody is listed or counted twice. Its pass keeps
    working and checks this household in; its events join this household's history, which
    is refolded, so the merged household is in at most one shelter and every count stays
    exact. Consent for 安否 information holds only if every record with details gave it.
    """
    if household_id == from_household_id:
        raise Invalid("A record cannot be merged into itself; give the other record's id.")
    locked = _locked(session, [household_id, from_household_id])
    into, other = locked[household_id], locked[from_household_id]
    _ensure_current(into)
    _ensure_current(other)
    ensure_may_see(principal, into)
    ensure_may_see(principal, other)
    theirs = _members_of(session, other.id)
    ours = _members_of(session, into.id)
    for from_index, into_index in same:
        if not (0 <= from_index < len(theirs) and 0 <= into_index < len(ours)):
            raise Invalid(
                f"same: the other record has {len(theirs)} members and this one "
                f"{len(ours)}; a member index is out of range."
            )
        if len({f for f, _ in same}) != len(same) or len({i for _, i in same}) != len(same):
            raise Invalid("same: each member may be matched with only one other member.")
    matched = dict(same)
    size = _merged_size(into, other, len(matched))
    before = [_footprint(into), _footprint(other)]
    position = len(ours)
    for index, member in enumerate(theirs):
        if index in matched:
            kept = ours[matched[index]]
            _take_details(kept, member)
            session.add(kept)
            session.delete(member)
            continue
        member.household_id = into.id
        member.position = position
        position += 1
        session.add(member)
    # Shared details: this record's, filled in from the other where it has none. Consent
    # is given by the records that have details; a blank record has no say.
    voters = [h for h in (into, other) if not h.anonymous]
    into.consent_safety_info = bool(voters) and all(h.consent_safety_info for h in voters)
    into.pets = max(into.pets, other.pets)
    into.language = into.language or other.language
    into.phone = into.phone or other.phone
    into.stay = into.stay or other.stay
    into.anonymous = into.anonymous and other.anonymous
    into.merged_records += 1 + other.merged_records
    absorbed_shelter = other.shelter_id
    other.merged_into = into.id
    other.merged_records = 0
    other.anonymous = True
    other.phone = other.language = other.stay = None
    other.consent_safety_info = False
    other.pets = other.accessible = 0
    other.shelter_id, other.present, other.since, other.present_stay = None, 0, None, None
    session.add(into)
    session.add(other)
    # Records merged into the other one before now point here: always one hop.
    session.execute(
        update(Household).where(col(Household.merged_into) == other.id).values(merged_into=into.id)
    )
    for action, subject, detail in (
        (Action.merge, into, f"from {other.id}"),
        (Action.merged_away, other, f"into {into.id}"),
    ):
        audit.record(
            session,
            principal=principal,
            action=action,
            household_id=subject.id,
            shelter_id=into.shelter_id or absorbed_shelter,
            detail=detail,
        )
    session.flush()
    # Needs of the merged members, matched pairs counted once (their needs joined).
    into.accessible = accessible_members(m.needs for m in _members_of(session, into.id))
    touched = counts.settle(
        session,
        household_id=into.id,
        size=size,
        profile=Profile(into.accessible, into.pets),
        before=before,
    )
    session.refresh(into)
    return done(to_record(session, into), touched=touched, needs=True)


def erase(session: Session, *, principal: auth.Principal, household_id: str) -> Change[None]:
    """Erase a household's personal data; the row, its size and its events stay and count."""
    household = _locked(session, [household_id])[household_id]
    _ensure_current(household)
    ensure_may_see(principal, household)
    session.exec(delete(Member).where(col(Member.household_id) == household.id))
    household.phone = household.language = household.stay = None
    household.consent_safety_info = False
    household.anonymous = True
    household.erased_at = utcnow()
    session.add(household)
    _audited(session, principal, Action.erase, household)
    session.flush()
    return done(None, needs=True)
