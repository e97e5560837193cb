"""Tokens: minted at random, stored as a hash, looked up on every request.

No cache sits between a request and the token table, so a revocation takes effect on the
very next request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import bindparam
from sqlalchemy import select as select_rows
from sqlmodel import Session, col, select

from shelter.auth.schemas import Role, ScopedRole
from shelter.db import utcnow
from shelter.errors import Forbidden, NotFound, Unauthorized
from shelter.tables import Shelter, Token

ADMIN_ID = "admin"

_T = Token.__table__  # type: ignore[attr-defined]
# Every request with a token runs this, so it is built once and skips the ORM.
_LIVE_TOKEN = select_rows(_T.c.id, _T.c.role, _T.c.shelter_id).where(
    _T.c.token_hash == bindparam("hash"), _T.c.revoked_at.is_(None)
)


@dataclass(frozen=True)
class Principal:
    token_id: str
    role: Role
    shelter_id: str | None

    @property
    def is_hq(self) -> bool:
        return self.role is Role.hq


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    # 256 bits; URL-safe so it survives copy-paste and QR enrolment codes.
    return "sh_" + secrets.token_urlsafe(32)


def mint(session: Session, *, role: Role, shelter_id: str | None, label: str) -> tuple[Token, str]:
    """Create a token; the secret is returned once and never stored."""
    if role is not Role.hq and (shelter_id is None or session.get(Shelter, shelter_id) is None):
        raise NotFound(f"No shelter with id {shelter_id!r}; create or import it first.")
    secret = new_secret()
    token = Token(
        id=secrets.token_hex(8),
        token_hash=hash_token(secret),
        role=role.value,
        shelter_id=shelter_id,
        label=label,
    )
    session.add(token)
    session.flush()
    return token, secret


def create_scoped(
    session: Session, *, role: ScopedRole, shelter_id: str, label: str
) -> tuple[Token, str]:
    return mint(session, role=Role(role.value), shelter_id=shelter_id, label=label)


def revoke(session: Session, *, token_id: str) -> None:
    token = session.get(Token, token_id)
    if token is None:
        raise NotFound(f"No token with id {token_id!r}.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.add(token)


def list_tokens(session: Session) -> list[Token]:
    return list(session.exec(select(Token).order_by(col(Token.created_at))).all())


def authenticate(session: Session, *, secret: str, admin_token: str | None) -> Principal:
    if admin_token and hmac.compare_digest(secret.encode(), admin_token.encode()):
        return Principal(token_id=ADMIN_ID, role=Role.hq, shelter_id=None)
    row = session.connection().execute(_LIVE_TOKEN, {"hash": hash_token(secret)}).first()
    if row is None:
        raise Unauthorized("Unknown or revoked token; ask HQ for a new one.")
    return Principal(token_id=row.id, role=Role(row.role), shelter_id=row.shelter_id)


def label_of(session: Session, principal: Principal) -> str:
    token = session.get(Token, principal.token_id)
    return token.label if token is not None else ""


def ensure_hq(principal: Principal) -> None:
    if not principal.is_hq:
        raise Forbidden("Only an hq token may do this.")


def ensure_shelter(principal: Principal, shelter_id: str, *, roles: frozenset[Role]) -> None:
    """hq may act on every shelter; the given roles only on their own one."""
    if principal.is_hq:
        return
    if principal.role not in roles:
        raise Forbidden(f"A {principal.role.value} token may not do this.")
    if principal.shelter_id != shelter_id:
        raise Forbidden(f"This token is for shelter {principal.shelter_id!r}, not {shelter_id!r}.")


EVENT_ROLES = frozenset({Role.kiosk, Role.staff})
ROSTER_ROLES = frozenset({Role.staff})
