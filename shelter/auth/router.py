from __future__ import annotations

from fastapi import APIRouter, Request, Response

from shelter.auth import service
from shelter.auth.deps import HqDep, PrincipalDep
from shelter.auth.schemas import (
    Enrolment,
    Heartbeat,
    TokenCreate,
    TokenCreated,
    TokenPublic,
    Whoami,
)
from shelter.deps import SessionDep, SettingsDep, WriterDep

router = APIRouter(prefix="/api/v1/tokens", tags=["tokens"])


@router.post("", status_code=201, responses={404: {"description": "Unknown shelter"}})
async def create_token(data: TokenCreate, _: HqDep, writer: WriterDep) -> TokenCreated:
    """Make a kiosk or staff token for one shelter; the secret is shown only here."""
    return await writer.run(service.create_scoped, data=data)


@router.post("/enrolment", status_code=201, responses={404: {"description": "Unknown shelter"}})
async def create_enrolment(
    data: TokenCreate, request: Request, _: HqDep, writer: WriterDep, settings: SettingsDep
) -> Enrolment:
    """Make a kiosk or staff token with a QR card that enrols a device when scanned."""
    # The card sends the tablet to the address tablets use, not to whatever address HQ's
    # browser happened to use (127.0.0.1 on the HQ machine itself).
    base_url = settings.public_url or str(request.base_url)
    return await writer.run(service.enrol, data=data, base_url=base_url)


@router.get("/me", responses={401: {"description": "Unknown or revoked token"}})
def whoami(principal: PrincipalDep, session: SessionDep) -> Whoami:
    """The caller's own token: its role, shelter and label (a kiosk checks its enrolment)."""
    return Whoami(
        id=principal.token_id,
        role=principal.role,
        shelter_id=principal.shelter_id,
        label=service.label_of(session, principal),
    )


@router.post("/me/heartbeat", status_code=204, response_class=Response)
async def heartbeat(data: Heartbeat, principal: PrincipalDep, writer: WriterDep) -> Response:
    """A kiosk says it is alive and how many scans wait in its outbox (HQ sees it)."""
    await writer.run(service.heartbeat, principal=principal, data=data)
    return Response(status_code=204)


@router.get("")
def list_tokens(_: HqDep, session: SessionDep) -> list[TokenPublic]:
    """Every token ever made (never the secrets), with when its device last reported."""
    return service.list_tokens(session)


@router.delete("/{token_id}", status_code=204, responses={404: {"description": "Unknown token"}})
async def revoke_token(token_id: str, _: HqDep, writer: WriterDep) -> Response:
    """Revoke a token; it stops working on the very next request."""
    await writer.run(service.revoke, token_id=token_id)
    return Response(status_code=204)
