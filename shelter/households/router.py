from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from shelter.auth.deps import HqDep, OptionalPrincipalDep, PrincipalDep
from shelter.auth.service import Principal
from shelter.deps import LimitsDep, SessionDep, SettingsDep, WriterDep
from shelter.errors import NotFound, UnknownPass
from shelter.events.schemas import EventResult
from shelter.households import cards, departures, lookup, service
from shelter.households.needs import breakdown
from shelter.households.roster import read as read_roster
from shelter.households.roster import to_csv as roster_csv
from shelter.households.schemas import (
    Departures,
    HouseholdCreate,
    HouseholdCreated,
    HouseholdRecord,
    HouseholdUpdate,
    LookupCheckIn,
    LookupQuery,
    LookupResult,
    MergeRequest,
    NeedsBreakdown,
    PassSheetRequest,
    Roster,
)
from shelter.passes import new_code
from shelter.qr import qr_png
from shelter.ratelimit import client_key

router = APIRouter(prefix="/api/v1", tags=["households"])

# Personal data: never cached by a browser or a proxy.
NO_STORE = {"Cache-Control": "no-store"}
PNG: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/png": {}}, "description": "The pass card"}
}
PERSONAL: dict[int | str, dict[str, Any]] = {
    401: {"description": "No token, or an unknown one"},
    403: {"description": "Not staff of the shelter the household is in, nor hq"},
    404: {"description": "Unknown household"},
}


@router.post(
    "/households",
    status_code=201,
    responses={429: {"description": "Too many registrations; see Retry-After"}},
)
async def register(
    data: HouseholdCreate,
    request: Request,
    writer: WriterDep,
    limits: LimitsDep,
    principal: OptionalPrincipalDep,
) -> HouseholdCreated:
    """Register a household (before or on arrival) and get its QR pass code."""
    if principal is None:  # staff registering people at the door are never limited
        limits.take(limits.register, client_key(request), what="registrations from this address")
    return await writer.run(service.register, data=data, principal=principal)


def _pass_for(pass_code: str, request: Request, session: SessionDep, limits: LimitsDep) -> str:
    """The canonical code of a known pass; unknown codes count towards the guessing limit."""
    key = client_key(request)
    limits.ensure_allowed(limits.unknown_pass, key, what="unknown pass codes from this address")
    try:
        return service.by_pass(session, pass_code).pass_code
    except UnknownPass:
        limits.count(limits.unknown_pass, key)
        raise


@router.get(
    "/passes/{pass_code}.png",
    response_class=Response,
    responses={
        200: {"content": {"image/png": {}}, "description": "QR code of the pass"},
        404: {"description": "Unknown pass"},
        429: {"description": "Too many unknown pass codes; see Retry-After"},
    },
)
def pass_png(pass_code: str, request: Request, session: SessionDep, limits: LimitsDep) -> Response:
    """The pass as a QR code that decodes to exactly the pass code."""
    code = _pass_for(pass_code, request, session, limits)
    return Response(
        qr_png(code),
        media_type="image/png",
        headers={"Cache-Control": "private, max-age=86400"},
    )


@router.get(
    "/passes/{pass_code}/card.png",
    response_class=Response,
    responses={
        **PNG,
        404: {"description": "Unknown pass"},
        429: {"description": "Too many unknown pass codes; see Retry-After"},
    },
)
def pass_card(
    pass_code: str,
    request: Request,
    session: SessionDep,
    limits: LimitsDep,
    settings: SettingsDep,
) -> Response:
    """A printable pass card with no name: QR, the code in large type, short instructions."""
    code = _pass_for(pass_code, request, session, limits)
    return Response(
        cards.card_png(code, font=settings.card_font),
        media_type="image/png",
        headers={"Cache-Control": "private, max-age=86400"},
    )


@router.post(
    "/passes/sheet",
    status_code=201,
    response_class=Response,
    responses={
        201: {
            "content": {"application/pdf": {}},
            "description": "An A4 PDF of new pre-printed passes; X-Pass-Count says how many",
        }
    },
)
async def pass_sheet(
    data: PassSheetRequest, principal: HqDep, writer: WriterDep, settings: SettingsDep
) -> Response:
    """Print new pre-printed passes (hq): each is a household with no details until used."""
    codes = [new_code() for _ in range(data.count)]
    # Drawn before anything is stored (and off the event loop): a failure leaves no passes
    # nobody can print.
    pdf = await run_in_threadpool(cards.sheet_pdf, codes, font=settings.card_font)
    await writer.run(service.preprint, principal=principal, codes=codes)
    filename = f"shelter-passes-{date.today().isoformat()}-{len(codes)}.pdf"
    return Response(
        pdf,
        status_code=201,
        media_type="application/pdf",
        headers={
            "X-Pass-Count": str(len(codes)),
            "Content-Disposition": f'attachment; filename="{filename}"',
            **NO_STORE,
        },
    )


@router.get("/households/{household_id}", response_model=HouseholdRecord, responses=PERSONAL)
async def get_household(household_id: str, principal: PrincipalDep, writer: WriterDep) -> Response:
    """One household's record (staff of the shelter it is in, hq); audited."""
    record = await writer.run(service.read, principal=principal, household_id=household_id)
    return Response(record.model_dump_json(), media_type="application/json", headers=NO_STORE)


@router.get(
    "/households/{household_id}/card.png",
    response_class=Response,
    responses={**PNG, **PERSONAL},
)
async def household_card(
    household_id: str, principal: PrincipalDep, writer: WriterDep, settings: SettingsDep
) -> Response:
    """The household's pass card with its name (staff of the shelter it is in, hq); audited."""
    code, name = await writer.run(service.card, principal=principal, household_id=household_id)
    return Response(
        await run_in_threadpool(cards.card_png, code, name=name, font=settings.card_font),
        media_type="image/png",
        headers=NO_STORE,
    )


def _record(record: HouseholdRecord) -> Response:
    return Response(record.model_dump_json(), media_type="application/json", headers=NO_STORE)


@router.put(
    "/households/{household_id}",
    response_model=HouseholdRecord,
    responses={**PERSONAL, 409: {"description": "Merged"}},
)
async def correct_household(
    household_id: str,
    data: HouseholdUpdate,
    principal: PrincipalDep,
    writer: WriterDep,
) -> Response:
    """Replace a household's details: correct a record, or fill in a pre-printed pass."""
    return _record(
        await writer.run(service.correct, principal=principal, household_id=household_id, data=data)
    )


@router.post(
    "/households/{household_id}/merge",
    response_model=HouseholdRecord,
    responses={**PERSONAL, 409: {"description": "One of the records was already merged"}},
)
async def merge_households(
    household_id: str,
    data: MergeRequest,
    principal: PrincipalDep,
    writer: WriterDep,
) -> Response:
    """Merge another record of the same household into this one; its pass keeps working."""
    return _record(
        await writer.run(
            service.merge,
            principal=principal,
            household_id=household_id,
            from_household_id=data.from_household_id,
            same=[(pair.from_, pair.into) for pair in data.same],
        )
    )


@router.delete(
    "/households/{household_id}",
    status_code=204,
    response_class=Response,
    responses={**PERSONAL, 409: {"description": "Merged"}},
)
async def erase_household(
    household_id: str, principal: PrincipalDep, writer: WriterDep
) -> Response:
    """Erase a household's personal data (hq, staff of its shelter); its counts stay."""
    await writer.run(service.erase, principal=principal, household_id=household_id)
    return Response(status_code=204)


@router.get(
    "/shelters/{shelter_id}/roster",
    response_model=Roster,
    responses={200: {"content": {"text/csv": {}}}, 404: {"description": "Unknown shelter"}},
)
async def roster(
    shelter_id: str,
    principal: PrincipalDep,
    writer: WriterDep,
    format: Literal["json", "csv"] = "json",
    lang: Literal["ja", "en"] = "ja",
) -> Response:
    """Who is in the shelter now, with members and needs (staff of that shelter, hq).

    The CSV has Japanese headers and need names, times in Japan time (+09:00); ``lang=en``
    gives the English headers and need codes."""
    data = await writer.run(read_roster, principal=principal, shelter_id=shelter_id, purpose=format)
    headers = dict(NO_STORE)
    if format == "csv":
        headers["Content-Disposition"] = f'attachment; filename="roster-{shelter_id}.csv"'
        return Response(
            roster_csv(data, lang).encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers=headers,
        )
    return Response(data.model_dump_json(), media_type="application/json", headers=headers)


@router.get(
    "/shelters/{shelter_id}/departures",
    response_model=Departures,
    responses={200: {"content": {"text/csv": {}}}, 404: {"description": "Unknown shelter"}},
)
async def shelter_departures(
    shelter_id: str,
    principal: PrincipalDep,
    writer: WriterDep,
    date: date | None = None,
    format: Literal["json", "csv"] = "json",
    lang: Literal["ja", "en"] = "ja",
) -> Response:
    """Who left the shelter on a day (Japan time, default today): check-outs and moves away,
    with times (staff of that shelter, hq; audited like the roster).

    ``format=csv``: Japanese headers, kinds and need names by default, ``lang=en`` for
    English, times in Japan time (+09:00), as for the roster CSV."""
    day = date or departures.today_in_japan()
    data = await writer.run(
        departures.read, principal=principal, shelter_id=shelter_id, day=day, purpose=format
    )
    headers = dict(NO_STORE)
    if format == "csv":
        filename = f"departures-{shelter_id}-{day.isoformat()}.csv"
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
        return Response(
            departures.to_csv(data, lang).encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers=headers,
        )
    return Response(data.model_dump_json(), media_type="application/json", headers=headers)


@router.get("/needs")
def needs(_: HqDep, session: SessionDep) -> NeedsBreakdown:
    """People who need special care (要配慮者) and pets, counted per shelter (hq)."""
    return breakdown(session)


def _lookup_key(principal: Principal) -> str:
    # Per token: one desk's look-ups never hold back another desk behind the same NAT.
    return f"lookup:{principal.token_id}"


LOOKUP: dict[int | str, dict[str, Any]] = {
    403: {"description": "Not staff of this shelter, nor hq"},
    404: {"description": "Unknown shelter"},
    429: {"description": "Too many look-ups from this token; see Retry-After"},
}


@router.post("/shelters/{shelter_id}/lookup", response_model=LookupResult, responses=LOOKUP)
async def lookup_household(
    shelter_id: str,
    data: LookupQuery,
    principal: PrincipalDep,
    writer: WriterDep,
    limits: LimitsDep,
) -> Response:
    """Find a household by one member's full name and year of birth (staff of that shelter,
    hq): an exact match only, with no names; audited; limited per token."""
    limits.take(limits.lookup, _lookup_key(principal), what="look-ups from this token")
    result = await writer.run(lookup.find, principal=principal, shelter_id=shelter_id, query=data)
    return Response(result.model_dump_json(), media_type="application/json", headers=NO_STORE)


@router.post(
    "/shelters/{shelter_id}/lookup/check-in",
    status_code=201,
    response_model=EventResult,
    responses={
        **LOOKUP,
        200: {"model": EventResult, "description": "A replay of an event already applied"},
        404: {"description": "Unknown shelter, or no such household with that name and year"},
        409: {"description": "The event_id was used for a different event"},
    },
)
async def lookup_check_in(
    shelter_id: str,
    data: LookupCheckIn,
    principal: PrincipalDep,
    writer: WriterDep,
    limits: LimitsDep,
    settings: SettingsDep,
) -> Response:
    """Check in a household found by a look-up (the same name and year again): an ordinary
    check-in event, idempotent by event_id; then its named card prints as for any other."""
    key = _lookup_key(principal)
    limits.ensure_allowed(limits.lookup, key, what="look-ups from this token")
    job = lookup.check_in(settings, principal=principal, shelter_id=shelter_id, data=data)
    try:
        outcome = await writer.run_job(job)
    except NotFound:
        limits.count(limits.lookup, key)  # a wrong guess costs as much as a look-up
        raise
    return Response(
        outcome.result.model_dump_json(),
        status_code=200 if outcome.replay else 201,
        media_type="application/json",
        headers=NO_STORE,
    )
