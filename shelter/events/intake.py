"""One posted event as HTTP takes it: the limits, the write, the answer's status and body.

Shared by the FastAPI route (``router.py``: the OpenAPI document, and every request the edge
passes on) and the edge (``edge.py``), which takes a well-formed check-in straight from the
socket without FastAPI's routing, dependency and exception layers: the one hot write of a
town's evening. Either way the rules below run once, here.
"""

from __future__ import annotations

from shelter.config import Settings
from shelter.errors import Revoked, Unauthorized, UnknownPass
from shelter.events import service
from shelter.events.apply import Outcome
from shelter.events.schemas import EventIn
from shelter.ratelimit import Limits, token_key
from shelter.writes.path import Job
from shelter.writes.writer import GroupWriter

GUESSES = "unknown pass codes from this kiosk"


def keys(token: str) -> tuple[str, ...]:
    """Events always come with a token, and only its own misses count against it: what
    anonymous phones on the same shelter Wi-Fi (one address behind NAT) do never blocks a
    kiosk's or staff member's scans. A guesser would need a valid token, and its misses
    block only that token."""
    return (token_key(token),)


async def take(
    data: EventIn,
    *,
    token: str,
    client: str,
    limits: Limits,
    writer: GroupWriter,
) -> tuple[int, bytes]:
    """Check a household or a walk-in group in or out: 201 and the result, or 200 and the
    first result for a replayed ``event_id``. Refusals raise (``errors.py``)."""
    mine = keys(token)
    limits.check_token(token, client)
    if data.pass_code is not None:
        limits.ensure_allowed(limits.unknown_pass, *mine, what=GUESSES)
    try:
        status, body = await writer.run_made(answered, data=data, token=token)
    except UnknownPass:
        limits.token_worked(token)
        limits.count(limits.unknown_pass, *mine)
        raise
    except Unauthorized as refused:
        limits.token_failed(token, client, guess=not isinstance(refused, Revoked))
        raise
    limits.token_worked(token)
    return status, body


def answered(settings: Settings, *, data: EventIn, token: str) -> Job[tuple[int, bytes]]:
    """The check-in's job, answering with its HTTP status and body. Made and shaped in the
    writer (its process, ``writes/remote.py``, when it has one): the event loop only sends
    the bytes. Serialized once; a returned model would be validated again by FastAPI."""
    return service.check_in(settings, data=data, token=token).then(_http)


def _http(outcome: Outcome) -> tuple[int, bytes]:
    return (200 if outcome.replay else 201), outcome.result.model_dump_json().encode()
