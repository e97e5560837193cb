"""Answering a 安否 inquiry: is this person in a shelter now, and may we say which?

The answer is "found" only for a member of a household that is in a shelter now and that
consented to 安否 information being given. Every other case (nobody by that name, a person
not in any shelter, a household that did not consent, a record erased or merged away) gets
the one answer ``{"found": false}``, and the work behind it is the same: one query for the
people of that birth year who are in a shelter, every row of it compared, and one audit
entry. So neither the answer, nor its headers, nor how long it takes tells an asker which
"no" it was (tests/safety prove the statements run are identical, and time them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import bindparam
from sqlalchemy import select as select_rows
from sqlmodel import Session

from shelter.audit import service as audit
from shelter.audit.schemas import Action
from shelter.errors import Invalid
from shelter.households.lookup import name_key
from shelter.safety.schemas import InquiryAnswer, ShelterRef
from shelter.tables import Household, Member, Shelter
from shelter.writes.path import Change, done

_M = Member.__table__  # type: ignore[attr-defined]
_H = Household.__table__  # type: ignore[attr-defined]
_S = Shelter.__table__  # type: ignore[attr-defined]

# Everyone of one birth year who is in a shelter now. Merged records have no members left
# (they moved to the record they joined) and erased ones none at all, so neither is found.
# Consent is read, not filtered on: the rows, and the work, are the same whoever is asked.
_CANDIDATES = (
    select_rows(
        _M.c.name,
        _M.c.name_kana,
        _H.c.id.label("household_id"),
        _H.c.consent_safety_info,
        _H.c.since,
        _S.c.id.label("shelter_id"),
        _S.c.name.label("shelter_name"),
    )
    .select_from(_M.join(_H, _H.c.id == _M.c.household_id).join(_S, _S.c.id == _H.c.shelter_id))
    .where(_M.c.birth_year == bindparam("year"), _H.c.present > 0)
)

NOT_FOUND = InquiryAnswer(found=False)
_LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class _Match:
    household_id: str
    shelter: ShelterRef
    since: datetime | None


def inquire(session: Session, *, name: str, birth_year: int) -> Change[InquiryAnswer]:
    """The answer to one inquiry, audited in the same transaction (never with the name or
    the year asked: only whether something was told, and about whom)."""
    key = name_key(name)
    if len(key) < 2:
        # Only spaces or dots (or one letter): no full name, and an empty key would equal
        # every member's missing kana. Refused on what was sent, whoever is in the records.
        raise Invalid("name: give the person's full name (family and given name).")
    rows = session.connection().execute(_CANDIDATES, {"year": birth_year}).all()
    matches: list[_Match] = []
    # Every row is compared, whether or not one already matched: no early exit to time.
    for row in rows:
        same = key in (name_key(row.name), name_key(row.name_kana))
        if same and bool(row.consent_safety_info):
            matches.append(
                _Match(
                    row.household_id,
                    ShelterRef(id=row.shelter_id, name=row.shelter_name),
                    row.since,
                )
            )
    # Two consenting people of one name and year: the one who arrived last is where a
    # family would look first (a deterministic pick, never a list of strangers).
    match = max(matches, key=lambda m: (m.since or _LONG_AGO, m.household_id), default=None)
    answer = NOT_FOUND if match is None else InquiryAnswer(found=True, shelter=match.shelter)
    audit.record_public(
        session,
        action=Action.safety_inquiry,
        household_id=match.household_id if match else None,
        shelter_id=match.shelter.id if match else None,
        detail="told where" if match else "no information",
    )
    return done(answer)
