"""Finding a household at the desk by what the person in front of staff says.

A household that registered from home and lost its pass is in no shelter, so no roster
shows it. Staff type one member's full name and year of birth; the answer says only
whether a household has a member of exactly that name and year (how many people, when it
registered), never a name or anything of the other members, and never a list to browse.
Every look-up is audited (without the name asked) and limited per token in the route.
From a match the desk checks the household in through the one event path
(``events.apply``), after which it is on the roster like any other.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from sqlmodel import Session, col, select

from shelter.audit import service as audit
from shelter.audit.schemas import Action
from shelter.auth import service as auth
from shelter.config import Settings
from shelter.errors import Invalid, NotFound
from shelter.events import apply
from shelter.events.schemas import EventIn, Kind
from shelter.households.roster import ensure_may_list
from shelter.households.schemas import LookupCheckIn, LookupMatch, LookupQuery, LookupResult
from shelter.tables import Household, Member
from shelter.writes.path import Change, Job, done

# More than this many records of one person is not a duplicate, it is a list: refused.
MAX_MATCHES = 5
# Spaces of any width and the dots between parts of a foreign name written in katakana.
_SEPARATORS = re.compile(r"[\s・･·.]+")
_KATAKANA = re.compile(r"[\u30a1-\u30f6]")


def name_key(text: str | None) -> str:
    """The form two spellings of one name share: NFKC (width), no spaces or dots, katakana
    as hiragana, case folded. 'アシキタ　ハナコ', 'あしきた はなこ' → 'あしきたはなこ'."""
    if not text:
        return ""
    folded = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text))
    return _KATAKANA.sub(lambda m: chr(ord(m.group()) - 0x60), folded).casefold()


def _matching(session: Session, query: LookupQuery) -> list[Household]:
    """Current records (not merged away) with a member whose name or kana is the query's
    name, born that year; the year narrows the rows read before names are compared."""
    key = name_key(query.name)
    if len(key) < 2:
        raise Invalid("name: give the person's full name (family and given name).")
    rows = session.exec(
        select(Member, Household)
        .join(Household, col(Household.id) == col(Member.household_id))
        .where(Member.birth_year == query.birth_year, col(Household.merged_into).is_(None))
        .order_by(col(Household.created_at), col(Household.id))
    ).all()
    found: dict[str, Household] = {}
    for member, household in rows:
        if key in (name_key(member.name), name_key(member.name_kana)):
            found.setdefault(household.id, household)
    return list(found.values())


def find(
    session: Session, *, principal: auth.Principal, shelter_id: str, query: LookupQuery
) -> Change[LookupResult]:
    """Households with a member of exactly this name and year (staff of ``shelter_id``, hq)."""
    ensure_may_list(session, principal=principal, shelter_id=shelter_id)
    households = _matching(session, query)
    if len(households) > MAX_MATCHES:
        # Never a list: a name this common needs the household's own pass or a new record.
        raise Invalid(
            "More records match than the desk may be shown; register the household again "
            "at the desk and ask HQ to merge the records."
        )
    if not households:
        audit.record(
            session, principal=principal, action=Action.lookup, shelter_id=shelter_id,
            detail="no match",
        )  # fmt: skip
    for household in households:
        audit.record(
            session, principal=principal, action=Action.lookup, shelter_id=shelter_id,
            household_id=household.id, detail=f"match, 1 of {len(households)}",
        )  # fmt: skip
    return done(
        LookupResult(
            found=bool(households),
            matches=[
                LookupMatch(
                    household_id=h.id,
                    size=h.size,
                    registered_at=h.created_at,
                    here=h.shelter_id == shelter_id and h.present > 0,
                )
                for h in households
            ],
        )
    )


def _check_in(
    session: Session,
    settings: Settings,
    *,
    principal: auth.Principal,
    shelter_id: str,
    data: LookupCheckIn,
) -> Change[apply.Outcome]:
    ensure_may_list(session, principal=principal, shelter_id=shelter_id)
    # The name and year again: a household id alone never checks anyone in from the desk.
    household = next((h for h in _matching(session, data) if h.id == data.household_id), None)
    if household is None:
        raise NotFound(
            "No household with that id has a member of that name and year of birth; "
            "look it up again."
        )
    audit.record(
        session, principal=principal, action=Action.lookup_check_in, shelter_id=shelter_id,
        household_id=household.id, detail="checked in at the desk after a look-up",
    )  # fmt: skip
    event = EventIn(
        event_id=data.event_id,
        shelter_id=shelter_id,
        kind=Kind.check_in,
        pass_code=household.pass_code,
    )
    return apply.apply(session, settings, data=event, principal=principal)


def _shelters(session: Session, *, shelter_id: str, household_id: str) -> list[str | None]:
    """Where the check-in happens and where the household is now (a move changes both)."""
    household = session.get(Household, household_id)
    return [shelter_id, household.shelter_id if household is not None else None]


def check_in(
    settings: Settings, *, principal: auth.Principal, shelter_id: str, data: LookupCheckIn
) -> Job[apply.Outcome]:
    """Check a household found by a look-up in at ``shelter_id``: an ordinary check-in event
    (idempotent by ``event_id``, moves and counts as the kiosk's would)."""
    return Job(
        functools.partial(
            _check_in, settings=settings, principal=principal, shelter_id=shelter_id, data=data
        ),
        shelters=functools.partial(
            _shelters, shelter_id=shelter_id, household_id=data.household_id
        ),
    )
