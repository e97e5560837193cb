from __future__ import annotations

from fastapi import APIRouter, Request, Response

from shelter.auth.deps import BearerDep
from shelter.deps import LimitsDep, SettingsDep, WriterDep
from shelter.errors import Revoked, Unauthorized, UnknownPass
from shelter.events import service
from shelter.events.schemas import BatchResult, BatchStatus, EventBatch, EventIn, EventResult
from shelter.ratelimit import client_key, token_key

router = APIRouter(prefix="/api/v1", tags=["events"])
GUESSES = "unknown pass codes from this kiosk"


def _keys(token: str) -> tuple[str, ...]:
    """Events always come with a token, and only its own misses count against it: what
    anonymous phones on the same shelter Wi-Fi (one address behind NAT) do never blocks a
    kiosk's or staff member's scans. A guesser would need a valid token, and its misses
    block only that token."""
    return (token_key(token),)


@router.post(
    "/events",
    status_code=201,
    response_model=EventResult,
    responses={
        200: {"model": EventResult, "description": "A replay of an event already applied"},
        404: {"description": "Unknown shelter or pass"},
        409: {"description": "The event_id was used for a different event"},
        429: {"description": "Too many unknown pass codes; see Retry-After"},
    },
)
async def post_event(
    data: EventIn,
    request: Request,
    token: BearerDep,
    limits: LimitsDep,
    settings: SettingsDep,
    writer: WriterDep,
) -> Response:
    """Check a household or a walk-in group in or out (idempotent by event_id)."""
    keys, client = _keys(token), client_key(request)
    limits.check_token(token, client)
    if data.pass_code is not None:
        limits.ensure_allowed(limits.unknown_pass, *keys, what=GUESSES)
    try:
        outcome = await writer.run_job(service.check_in(settings, data=data, token=token))
    except UnknownPass:
        limits.token_worked(token)
        limits.count(limits.unknown_pass, *keys)
        raise
    except Unauthorized as refused:
        limits.token_failed(token, client, guess=not isinstance(refused, Revoked))
        raise
    limits.token_worked(token)
    # Serialized once here; returning the model would make FastAPI validate it again.
    return Response(
        outcome.result.model_dump_json(),
        status_code=200 if outcome.replay else 201,
        media_type="application/json",
    )


@router.post(
    "/events/batch",
    response_model=BatchResult,
    responses={429: {"description": "Too many unknown pass codes; see Retry-After"}},
)
async def post_batch(
    batch: EventBatch,
    request: Request,
    token: BearerDep,
    limits: LimitsDep,
    settings: SettingsDep,
    writer: WriterDep,
) -> Response:
    """Upload an offline kiosk's queue; each event is applied, a duplicate, or rejected alone."""
    keys, client = _keys(token), client_key(request)
    limits.check_token(token, client)
    # No 429 for the whole upload: with the allowance spent, its pass codes come back
    # deferred (not looked up) and its walk-ins are still counted.
    guesses = limits.remaining(limits.unknown_pass, *keys)
    job = service.upload(settings, raw=batch.events, token=token, guesses=guesses)
    try:
        result = await writer.run_job(job)
    except Unauthorized as refused:
        limits.token_failed(token, client, guess=not isinstance(refused, Revoked))
        raise
    limits.token_worked(token)
    misses = sum(1 for item in result.results if item.code == UnknownPass.code)
    if misses:
        limits.count(limits.unknown_pass, *keys, cost=misses)
    headers = {}
    if any(item.status is BatchStatus.deferred for item in result.results):
        headers["Retry-After"] = str(limits.wait(limits.unknown_pass, *keys))
    return Response(result.model_dump_json(), media_type="application/json", headers=headers)
