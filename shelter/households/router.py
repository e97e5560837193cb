from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response

from shelter.auth import service as auth
from shelter.deps import (
    DatabaseDep,
    HqDep,
    LimitsDep,
    OptionalPrincipalDep,
    PrincipalDep,
    SessionDep,
)
from shelter.errors import UnknownPass
from shelter.households import passes, service
from shelter.households.schemas import (
    HouseholdCreate,
    HouseholdCreated,
    NeedsBreakdown,
    Roster,
)
from shelter.ratelimit import client_key
from shelter.shelters import service as shelters

router = APIRouter(prefix="/api/v1", tags=["households"])


@router.post(
    "/households",
    status_code=201,
    responses={429: {"description": "Too many registrations; see Retry-After"}},
)
def register(
    data: HouseholdCreate,
    request: Request,
    db: DatabaseDep,
    limits: LimitsDep,
    principal: OptionalPrincipalDep,
) -> HouseholdCreated:
    """Register a household (before or on arrival) and get its QR pass code."""
    if principal is None:  # staff registering people at the door are never limited
        limits.take(limits.register, client_key(request), what="registrations from this address")
    with db.write() as session:
        household = service.register(session, data)
        return HouseholdCreated(
            household_id=household.id, pass_code=household.pass_code, size=household.size
        )


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
    key = client_key(request)
    limits.ensure_allowed(limits.unknown_pass, key, what="unknown pass codes from this address")
    try:
        household = service.by_pass(session, pass_code)
    except UnknownPass:
        limits.count(limits.unknown_pass, key)
        raise
    return Response(
        passes.qr_png(household.pass_code),
        media_type="image/png",
        headers={"Cache-Control": "private, max-age=86400"},
    )


@router.get(
    "/shelters/{shelter_id}/roster",
    response_model=Roster,
    responses={200: {"content": {"text/csv": {}}}, 404: {"description": "Unknown shelter"}},
)
def roster(
    shelter_id: str,
    principal: PrincipalDep,
    session: SessionDep,
    format: Literal["json", "csv"] = "json",
) -> Response:
    """Who is in the shelter now, with members and needs (staff of that shelter, hq)."""
    auth.ensure_shelter(principal, shelter_id, roles=auth.ROSTER_ROLES)
    shelters.get(session, shelter_id)
    data = service.roster(session, shelter_id=shelter_id)
    # Personal data: never cached by a browser or a proxy.
    headers = {"Cache-Control": "no-store"}
    if format == "csv":
        headers["Content-Disposition"] = f'attachment; filename="roster-{shelter_id}.csv"'
        return Response(
            service.roster_csv(data).encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers=headers,
        )
    return Response(data.model_dump_json(), media_type="application/json", headers=headers)


@router.get("/needs")
def needs(_: HqDep, session: SessionDep) -> NeedsBreakdown:
    """People who need special care (要配慮者) and pets, counted per shelter (hq)."""
    return service.needs(session)
