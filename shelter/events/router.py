from __future__ import annotations

from fastapi import APIRouter, Request, Response

from shelter.auth.deps import BearerDep
from shelter.deps import LimitsDep, WriterDep
from shelter.errors import Revoked, Unauthorized, UnknownPass
from shelter.events import intake, service
from shelter.events.schemas import BatchResult, BatchStatus, EventBatch, EventIn, EventResult
from shelter.ratelimit import client_key

router = APIRouter(prefix="/api/v1", tags=["events"])


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
    writer: WriterDep,
) -> Response:
    """Check a household or a walk-in group in or out (idempotent by event_id)."""
    status, body = await intake.take(
        data,
        token=token,
        client=client_key(request),
        limits=limits,
        writer=writer,
    )
    return Response(body, status_code=status, media_type="application/json")


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
    writer: WriterDep,
) -> Response:
    """Upload an offline kiosk's queue; each event is applied, a duplicate, or rejected alone."""
    keys, client = intake.keys(token), client_key(request)
    limits.check_token(token, client)
    # No 429 for the whole upload: with the allowance spent, its pass codes come back
    # deferred (not looked up) and its walk-ins are still counted.
    guesses = limits.remaining(limits.unknown_pass, *keys)
    try:
        result = await writer.run_made(
            service.upload, raw=batch.events, token=token, guesses=guesses
        )
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
