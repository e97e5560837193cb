"""What the events routes call: a check-in, or an offline kiosk's batch, as a write job.

The token is checked inside the write transaction, so a token revoked a moment ago is
refused even by a request already queued. The job names its shelters up front, so the
writer locks them in one order before anything is changed (``writes/locks.py``).
"""

from __future__ import annotations

import functools

from sqlmodel import Session

from shelter.auth import service as auth
from shelter.config import Settings
from shelter.events import apply, batch
from shelter.events.schemas import BatchItem, BatchResult, EventIn
from shelter.writes.path import Change, Job


def _caller(session: Session, settings: Settings, token: str) -> auth.Principal:
    return auth.authenticate(session, secret=token, admin_token=settings.admin_token)


def _check_in(
    session: Session, settings: Settings, data: EventIn, token: str
) -> Change[apply.Outcome]:
    principal = _caller(session, settings, token)
    return apply.apply(session, settings, data=data, principal=principal)


def _batch(
    session: Session,
    settings: Settings,
    events: list[EventIn | BatchItem],
    token: str,
    guesses: int | None,
) -> Change[BatchResult]:
    principal = _caller(session, settings, token)
    return batch.apply_batch(session, settings, events=events, principal=principal, guesses=guesses)


def check_in(settings: Settings, *, data: EventIn, token: str) -> Job[apply.Outcome]:
    """One check-in or check-out (idempotent by event_id)."""
    return Job(
        functools.partial(_check_in, settings=settings, data=data, token=token),
        ahead=(apply.look_ahead, [data]),
        checked=True,  # apply_event refuses before its first write
    )


def upload(
    settings: Settings, *, raw: list[object], token: str, guesses: int | None = None
) -> Job[BatchResult]:
    """An offline kiosk's queue: each event applied, a duplicate, or rejected alone (or
    deferred, once ``guesses`` unknown pass codes were met)."""
    events = batch.parse(raw)
    valid = [event for event in events if isinstance(event, EventIn)]
    return Job(
        functools.partial(_batch, settings=settings, events=events, token=token, guesses=guesses),
        ahead=(apply.look_ahead, valid),  # its households locked with the group's, in order
        # Each event refuses before its first write and comes back as its item; the upload
        # itself refuses only for its token, before any.
        checked=True,
    )
