from __future__ import annotations

from fastapi import APIRouter, Response

from shelter.auth import service
from shelter.auth.schemas import Role, TokenCreate, TokenCreated, TokenPublic
from shelter.deps import DatabaseDep, HqDep, SessionDep

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
