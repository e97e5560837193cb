"""Who left a shelter on one day (Japan time): check-outs and moves away, with times.

For staff of that shelter and hq, audited like the roster (it names people).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, or_, select

from shelter.auth import service as auth
from shelter.events.timeline import Effect
from shelter.households.roster import (
    csv_text,
    ensure_may_list,
    japan_time,
    per_member,
    record_listing,
)
from shelter.households.schemas import Departure, Departures
from shelter.households.service import public
from shelter.tables import Event, Household, Member
from shelter.writes.path import Change, done

JAPAN = ZoneInfo("Asia/Tokyo")


def today_in_japan() -> date:
    return datetime.now(JAPAN).date()


def read(
    session: Session, *, principal: auth.Principal, shelter_id: str, day: date, purpose: str
) -> Change[Departures]:
    """Check-outs from and moves away from one shelter on ``day`` (Japan); audited."""
    ensure_may_list(session, principal=principal, shelter_id=shelter_id)
    start = datetime.combine(day, time(), JAPAN).astimezone(UTC)
    events = session.exec(
        select(Event)
        .where(
            or_(
                (col(Event.shelter_id) == shelter_id)
                & (col(Event.effect) == Effect.checked_out.value),
                (col(Event.moved_from) == shelter_id) & (col(Event.effect) == Effect.moved.value),
            ),
            col(Event.occurred_at) >= start,
            col(Event.occurred_at) < start + timedelta(days=1),
        )
        .order_by(col(Event.occurred_at), col(Event.seq))
    ).all()
    entries: list[Departure] = []
    for event in events:
        household = session.get(Household, event.household_id)
        if household is None:
            continue
        if household.merged_into is not None:  # a merged record: the household it joined
            household = session.get(Household, household.merged_into) or household
        members = session.exec(
            select(Member)
            .where(Member.household_id == household.id)
            .order_by(col(Member.position), col(Member.id))
        ).all()
        moved = event.effect == Effect.moved.value
        entries.append(
            Departure(
                at=event.occurred_at.astimezone(JAPAN),
                kind="moved" if moved else "checked_out",
                to_shelter_id=event.shelter_id if moved else None,
                people=event.people,
                household_id=household.id,
                pass_code=household.pass_code,
                anonymous=household.anonymous,
                size=household.size,
                erased=household.erased_at is not None,
                members=[public(m) for m in members],
            )
        )
    data = Departures(
        shelter_id=shelter_id,
        date=day,
        households=len({e.household_id for e in entries}),
        people=sum(e.people for e in entries),
        entries=entries,
    )
    record_listing(
        session,
        principal=principal,
        shelter_id=shelter_id,
        detail=f"departures {day.isoformat()} {purpose}, {len(entries)} departures",
    )
    return done(data)


DEPARTURES_CSV_COLUMNS = (
    "at",
    "kind",
    "to_shelter_id",
    "people",
    "household_id",
    "size",
    "member",
    "name",
    "name_kana",
    "birth_year",
    "sex",
    "needs",
)
# The same columns in Japanese: the default, as for the roster CSV.
DEPARTURES_CSV_COLUMNS_JA = (
    "時刻",
    "種別",
    "移動先",
    "出た人数",
    "世帯ID",
    "世帯人数",
    "世帯内番号",
    "名前",
    "ふりがな",
    "生まれた年",
    "性別",
    "配慮が必要なこと",
)
KIND_NAMES_JA = {"checked_out": "退所", "moved": "移動"}


def to_csv(data: Departures, lang: str = "ja") -> str:
    """One row per member of each departure (no names: one row), UTF-8 with BOM for Excel;
    Japanese headers, kinds and need names by default, English with ``lang="en"``, the
    same rules as the roster CSV (``roster.to_csv``)."""
    english = lang == "en"
    rows = (
        (
            japan_time(entry.at),
            entry.kind if english else KIND_NAMES_JA[entry.kind],
            entry.to_shelter_id,
            entry.people,
            entry.household_id,
            entry.size,
            *member,
        )
        for entry in data.entries
        for member in per_member(entry.members, erased=entry.erased, lang=lang)
    )
    return csv_text(DEPARTURES_CSV_COLUMNS if english else DEPARTURES_CSV_COLUMNS_JA, rows)
