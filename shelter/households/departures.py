"""Who left a shelter on one day (Japan time): check-outs and moves away, with times.

For staff of that shelter and hq, audited like the roster (it names people).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, or_, select

from shelter.auth import service as auth
from shelter.events.timeline import Effect
from shelter.households.roster import ensure_may_list, record_listing
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
