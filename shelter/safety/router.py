from __future__ import annotations

from fastapi import APIRouter, Request, Response

from shelter.deps import LimitsDep, WriterDep
from shelter.ratelimit import client_key
from shelter.safety import service
from shelter.safety.schemas import InquiryAnswer, InquiryIn

router = APIRouter(prefix="/api/v1", tags=["safety"])

# The answer is about a person: never kept by a browser or a proxy.
NO_STORE = {"Cache-Control": "no-store"}


@router.post(
    "/safety/inquiries",
    response_model=InquiryAnswer,
    responses={
        200: {
            "description": '{"found": true, "shelter": {...}} only with the household\'s '
            'consent; otherwise {"found": false}, the same for every other case'
        },
        429: {"description": "Too many inquiries from this address; see Retry-After"},
    },
)
async def inquire(
    data: InquiryIn, request: Request, writer: WriterDep, limits: LimitsDep
) -> Response:
    """安否 inquiry (public): is this person (full name, year of birth) in a shelter?

    Names travel only in this body, never in a URL, and never reach a log or the audit."""
    # Every inquiry counts, found or not: counting only misses would tell them apart.
    limits.take(
        limits.safety_inquiry, client_key(request), what="safety inquiries from this address"
    )
    answer = await writer.run(service.inquire, name=data.name, birth_year=data.birth_year)
    return Response(answer.body(), media_type="application/json", headers=NO_STORE)
