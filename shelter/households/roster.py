"""Who is in a shelter now, with members and needs: for its staff and hq, and as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

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
    ensure_may_list(session, principal=principal, shelter_id=shelter_id)
    data = _roster(session, shelter_id=shelter_id)
    record_listing(
        session, principal=principal, shelter_id=shelter_id,
        detail=f"{purpose}, {data.households} households",
    )  # fmt: skip
    return done(data)


def ensure_may_list(session: Session, *, principal: auth.Principal, shelter_id: str) -> None:
    """A list of people in a shelter (who is in, who left): its staff and hq, a real shelter."""
    auth.authorize(principal, auth.Act.personal, shelter_id=shelter_id)
    if session.get(Shelter, shelter_id) is None:
        raise NotFound(f"No shelter with id {shelter_id!r}.")


def record_listing(
    session: Session, *, principal: auth.Principal, shelter_id: str, detail: str
) -> None:
    """The audit entry for reading such a list, in the same transaction."""
    audit.record(
        session, principal=principal, action=Action.roster, shelter_id=shelter_id, detail=detail
    )


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
    entries = [
        RosterEntry(**details(h, members[h.id]), erased=h.erased_at is not None) for h in households
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

# The same columns in Japanese: the default, for the people who open it in Excel.
ROSTER_CSV_COLUMNS_JA = (
    "世帯ID",
    "在所人数",
    "世帯人数",
    "入所時刻",
    "世帯内番号",
    "名前",
    "ふりがな",
    "生まれた年",
    "性別",
    "配慮が必要なこと",
    "ペット",
    "言葉",
    "電話番号",
)

NEED_NAMES_JA = {
    "elderly": "高齢者",
    "disability": "障がい",
    "wheelchair": "車いす",
    "pregnant": "妊婦",
    "infant": "乳幼児",
    "chronic_illness": "慢性疾患",
    "allergy": "アレルギー",
    "medical_care": "医療的ケア",
    "foreign_language": "外国語",
    "other": "その他",
}

JAPAN = ZoneInfo("Asia/Tokyo")

# A row with no names: a household whose personal data was erased, or a walk-in group.
NO_NAME = {"ja": ("(消去済み)", "(名前なし・受付で人数のみ)"), "en": ("(erased)", "(walk-in)")}


def japan_time(at: datetime | None) -> str:
    """A time in Japan time with its offset (2026-12-01T09:30:00+09:00); blank for none."""
    return at.astimezone(JAPAN).isoformat(timespec="seconds") if at else ""


def need_names(needs: list[str], lang: str) -> str:
    if lang == "en":
        return " ".join(needs)
    return "・".join(NEED_NAMES_JA.get(n, n) for n in needs)


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A list of people as a spreadsheet opens it: UTF-8 with BOM (Excel), CRLF, every cell
    made safe to open (``text.spreadsheet_cell``). The roster's and departures' one writer."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([spreadsheet_cell(value) for value in row])
    return out.getvalue()


def per_member(
    members: Sequence[MemberPublic], *, erased: bool, lang: str
) -> Iterator[tuple[object, ...]]:
    """A household's member columns, one row per member (number, name, kana, year of birth,
    sex, needs); a household with no names (a walk-in group, an erased record) one row."""
    if not members:
        erased_label, walk_in_label = NO_NAME["en" if lang == "en" else "ja"]
        yield ("", erased_label if erased else walk_in_label, "", "", "", "")
        return
    for index, member in enumerate(members, start=1):
        yield (
            index,
            member.name,
            member.name_kana,
            member.birth_year,
            member.sex,
            need_names(member.needs, lang),
        )


def to_csv(data: Roster, lang: str = "ja") -> str:
    """One row per member (walk-in groups: one row), in UTF-8 with BOM so Excel reads it.

    Japanese headers and need names by default, English (codes) with ``lang="en"``; times
    in Japan time with the offset.
    """
    rows = (
        (
            entry.household_id,
            entry.present,
            entry.size,
            japan_time(entry.since),
            *member,
            entry.pets,
            entry.language,
            entry.phone,
        )
        for entry in data.entries
        for member in per_member(entry.members, erased=entry.erased, lang=lang)
    )
    return csv_text(ROSTER_CSV_COLUMNS if lang == "en" else ROSTER_CSV_COLUMNS_JA, rows)
