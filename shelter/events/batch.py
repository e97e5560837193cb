"""An offline kiosk's queue, uploaded at once: every event stands alone.

Each event is validated and applied on its own in the one transaction, so a bad one is
rejected alone, a replay answers as a duplicate, and the rest commit together. An event
refuses only before its first write (``apply_event``), so the upload runs as the online
check-ins do: no savepoint per event, and its writes held to the group's end
(``writes/behind.py``). On PostgreSQL a savepoint per event cost two round trips and its
writes several more, while the group held its shelters locked and every kiosk's check-in
waited (benchmarks.md, seventh round). When the group is run again with savepoints
(``writes/path.py``), each event gets its own savepoint again.
"""

from __future__ import annotations

from pydantic import ValidationError
from sqlmodel import Session

from shelter.auth import service as auth
from shelter.config import Settings
from shelter.errors import ShelterError, TooManyRequests, UnknownPass
from shelter.events.apply import Applied, apply_event
from shelter.events.schemas import BatchItem, BatchResult, BatchStatus, EventIn
from shelter.writes import behind
from shelter.writes.path import Change, done, isolated, sqlite_connection, straight


def _reason(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors(include_url=False, include_input=False):
        where = ".".join(str(p) for p in error["loc"]) or "event"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


def _shown_id(entry: object) -> str | None:
    raw_id = entry.get("event_id") if isinstance(entry, dict) else None
    # Echo back only what can be encoded: the answer must never fail after the commit.
    if not isinstance(raw_id, str | int):
        return None
    return str(raw_id)[:64].encode("utf-8", "replace").decode("utf-8")


def parse(raw: list[object]) -> list[EventIn | BatchItem]:
    """Each entry as an event, or as its rejection when it is not one."""
    parsed: list[EventIn | BatchItem] = []
    for entry in raw:
        try:
            parsed.append(EventIn.model_validate(entry))
        except ValidationError as exc:
            parsed.append(
                BatchItem(
                    event_id=_shown_id(entry), status=BatchStatus.rejected, reason=_reason(exc)
                )
            )
    return parsed


def apply_batch(
    session: Session,
    settings: Settings,
    *,
    events: list[EventIn | BatchItem],
    principal: auth.Principal,
    guesses: int | None = None,
) -> Change[BatchResult]:
    """Apply many events in the caller's transaction, each alone: one bad one stays alone.

    ``guesses``: how many unknown pass codes this upload may still meet (the caller's
    allowance). Once they are spent, the rest of its pass codes are not even looked up:
    they come back ``deferred``, so one upload of 500 made-up codes tries no more codes
    than 500 single requests would.
    """
    items: list[BatchItem] = []
    touched: set[str] = set()
    misses = 0
    holding = behind.may_hold(session)  # run straight in the transaction (``Job.checked``)
    raw = sqlite_connection(session) if holding else None
    for event in events:
        if isinstance(event, BatchItem):
            items.append(event)
            continue
        data = event
        if guesses is not None and misses >= guesses and data.pass_code is not None:
            items.append(
                BatchItem(
                    event_id=str(data.event_id),
                    status=BatchStatus.deferred,
                    reason="Too many unknown pass codes from this kiosk; sent again later.",
                    code=TooManyRequests.code,
                )
            )
            continue

        def one(session: Session, data: EventIn = data) -> Applied:
            # Its answer names no alternatives: not looked for (``apply_event``).
            return apply_event(session, settings, data=data, principal=principal, advise=False)

        applied = straight(session, one, raw) if holding else isolated(session, one)
        if isinstance(applied, BaseException) and not isinstance(applied, ShelterError):
            # Not the event's fault: fail the upload, and the kiosk keeps it to send again.
            raise applied
        if isinstance(applied, ShelterError):
            misses += isinstance(applied, UnknownPass)
            items.append(
                BatchItem(
                    event_id=str(data.event_id),
                    status=BatchStatus.rejected,
                    reason=applied.message,
                    code=applied.code,
                )
            )
            continue
        touched.update(applied.touched)
        items.append(
            BatchItem(
                event_id=applied.event_id,
                status=BatchStatus.duplicate if applied.replay else BatchStatus.applied,
                effect=applied.effect,
                pass_code=applied.pass_code,
            )
        )
    return done(BatchResult(results=items), touched=touched)
