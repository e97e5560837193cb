from __future__ import annotations

import base64

from fastapi import APIRouter, Request, Response

from shelter.auth import service
from shelter.auth.schemas import Enrolment, Role, TokenCreate, TokenCreated, TokenPublic, Whoami
from shelter.deps import DatabaseDep, HqDep, PrincipalDep, SessionDep
from shelter.households import passes

router = APIRouter(prefix="/api/v1/tokens", tags=["tokens"])


@router.post("", status_code=201, responses={404: {"description": "Unknown shelter"}})
def create_token(data: TokenCreate, _: HqDep, db: DatabaseDep) -> TokenCreated:
    """Make a kiosk or staff token for one shelter; the secret is shown only here."""
    with db.write() as session:
        token, secret = service.create_scoped(
            session, role=data.role, shelter_id=data.shelter_id, label=data.label
        )
        return TokenCreated(
            id=token.id,
            token=secret,
            role=Role(token.role),
            shelter_id=token.shelter_id,
            label=token.label,
        )


@router.post("/enrolment", status_code=201, responses={404: {"description": "Unknown shelter"}})
def create_enrolment(data: TokenCreate, request: Request, _: HqDep, db: DatabaseDep) -> Enrolment:
    """Make a kiosk or staff token with a QR card that enrols a device when scanned."""
    created = create_token(data, _, db)
    # The fragment is read by the kiosk page and never reaches a server or its logs.
    url = f"{str(request.base_url).rstrip('/')}/kiosk#enrol={created.token}"
    image = base64.b64encode(passes.qr_png(url, box_size=6)).decode()
    return Enrolment(**created.model_dump(), enrol_url=url, qr_png=f"data:image/png;base64,{image}")


@router.get("/me", responses={401: {"description": "Unknown or revoked token"}})
def whoami(principal: PrincipalDep, session: SessionDep) -> Whoami:
    """The caller's own token: its role, shelter and label (a kiosk checks its enrolment)."""
    return Whoami(
        id=principal.token_id,
        role=principal.role,
        shelter_id=principal.shelter_id,
        label=service.label_of(session, principal),
    )


@router.get("")
def list_tokens(_: HqDep, session: SessionDep) -> list[TokenPublic]:
    """Every token ever made (never the secrets)."""
    return [
        TokenPublic(
            id=t.id,
            role=Role(t.role),
            shelter_id=t.shelter_id,
            label=t.label,
            created_at=t.created_at,
            revoked_at=t.revoked_at,
        )
        for t in service.list_tokens(session)
    ]


@router.delete("/{token_id}", status_code=204, responses={404: {"description": "Unknown token"}})
def revoke_token(token_id: str, _: HqDep, db: DatabaseDep) -> Response:
    """Revoke a token; it stops working on the very next request."""
    with db.write() as session:
        service.revoke(session, token_id=token_id)
    return Response(status_code=204)
