"""Who is in a shelter now, with members and needs: for its staff and hq, and as CSV."""

from __future__ import annotations

import csv
import io

from sqlmodel import Session, col, select

from shelter.audit import service as audit
from shelter.audit.schemas import Action
from shelter.auth import service as auth
from shelter.db import utcnow
from shelter.errors import NotFound
from shelter.households.schemas import MemberPublic, Roster, RosterEntry
from shelter.households.service import details
from shelter.tables import Household, Member, Shelter
from shelter.text import spreadsheet_cell
from shelter.writes.path import Change, done


def read(
    session: Session, *, principal: auth.Principal, shelter_id: str, purpose: str
) -> Change[Roster]:
    """The roster of one shelter (staff of that shelter, hq); audited with ``purpose``."""
    auth.authorize(principal, auth.Act.personal, shelter_id=shelter_id)
    if session.get(Shelter, shelter_id) is None:
        raise NotFound(f"No shelter with id {shelter_id!r}.")
    data = _roster(session, shelter_id=shelter_id)
    audit.record(
        session,
        principal=principal,
        action=Action.roster,
        shelter_id=shelter_id,
        detail=f"{purpose}, {data.households} households",
    )
    return done(data)


def _roster(session: Session, *, shelter_id: str) -> Roster:
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
    entries = [RosterEntry(**details(h, members[h.id])) for h in households]
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


def to_csv(data: Roster) -> str:
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
                    spreadsheet_cell(v)
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
