"""Tokens: minted at random, stored as a hash, looked up on every request; and what each
role may do where (``authorize``, the one rule of token scope).

No cache sits between a request and the token table, so a revocation takes effect on the
very next request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import bindparam
from sqlalchemy import select as select_rows
from sqlmodel import Session, col, select

from shelter.auth.schemas import (
    Enrolment,
    Heartbeat,
    Role,
    TokenCreate,
    TokenCreated,
    TokenPublic,
)
from shelter.db import utcnow
from shelter.errors import Forbidden, NotFound, Revoked, Unauthorized
from shelter.qr import qr_png
from shelter.tables import Shelter, Token
from shelter.writes.path import Change, done

ADMIN_ID = "admin"

_T = Token.__table__  # type: ignore[attr-defined]
# Every request with a token runs this, so it is built once and skips the ORM.
_TOKEN = select_rows(_T.c.id, _T.c.role, _T.c.shelter_id, _T.c.revoked_at).where(
    _T.c.token_hash == bindparam("hash")
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


def _created(token: Token, secret: str) -> TokenCreated:
    return TokenCreated(
        id=token.id,
        token=secret,
        role=Role(token.role),
        shelter_id=token.shelter_id,
        label=token.label,
    )


def issue(
    session: Session, *, role: Role, shelter_id: str | None, label: str
) -> Change[TokenCreated]:
    """A new token of any role (hq too: the command line); the secret only in the answer."""
    token, secret = mint(session, role=role, shelter_id=shelter_id, label=label)
    return done(_created(token, secret))


def create_scoped(session: Session, *, data: TokenCreate) -> Change[TokenCreated]:
    """A kiosk or staff token for one shelter."""
    return issue(session, role=Role(data.role.value), shelter_id=data.shelter_id, label=data.label)


def enrol(session: Session, *, data: TokenCreate, base_url: str) -> Change[Enrolment]:
    """A kiosk or staff token with the QR card that enrols a device when scanned."""
    token, secret = mint(
        session, role=Role(data.role.value), shelter_id=data.shelter_id, label=data.label
    )
    # The fragment is read by the kiosk page and never reaches a server or its logs.
    url = f"{base_url.rstrip('/')}/kiosk#enrol={secret}"
    image = base64.b64encode(qr_png(url, box_size=6)).decode()
    return done(
        Enrolment(
            **_created(token, secret).model_dump(),
            enrol_url=url,
            qr_png=f"data:image/png;base64,{image}",
        )
    )


def revoke(session: Session, *, token_id: str) -> Change[None]:
    """Revoke a token: refused from its next request on, and dropped by the live feed."""
    token = session.get(Token, token_id)
    if token is None:
        raise NotFound(f"No token with id {token_id!r}.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.add(token)
    session.info.pop(_KNOWN, None)  # this transaction's later requests must ask again
    return done(None, revoked=[token.id])


# A kiosk reports every minute (kiosk/kiosk.js); three missed reports and it is offline.
HEARTBEAT_SECONDS = 60
ONLINE_WITHIN = timedelta(seconds=3 * HEARTBEAT_SECONDS)


def list_tokens(session: Session) -> list[TokenPublic]:
    """Every token ever made (never a secret), with its device's health."""
    now = utcnow()
    return [
        TokenPublic(
            id=t.id,
            role=Role(t.role),
            shelter_id=t.shelter_id,
            label=t.label,
            created_at=t.created_at,
            revoked_at=t.revoked_at,
            last_seen_at=t.last_seen_at,
            outbox=t.outbox,
            online=t.revoked_at is None
            and t.last_seen_at is not None
            and now - t.last_seen_at <= ONLINE_WITHIN,
        )
        for t in session.exec(select(Token).order_by(col(Token.created_at))).all()
    ]


def heartbeat(session: Session, *, principal: Principal, data: Heartbeat) -> Change[None]:
    """The caller's device is alive and has ``outbox`` scans waiting. (The admin token of
    the settings has no row and no device to watch: nothing is kept for it.)"""
    token = session.get(Token, principal.token_id)
    if token is not None:
        token.last_seen_at = utcnow()
        token.outbox = data.outbox
        session.add(token)
    return done(None)


# Tokens already verified in the session's current transaction: a group commit of a busy
# kiosk's scans reads its token once, not once per scan. Only for one transaction, so a
# revocation committed before it began is always seen (``revoke`` clears it, too).
_KNOWN = "shelter_known_tokens"


def authenticate(session: Session, *, secret: str, admin_token: str | None) -> Principal:
    if admin_token and hmac.compare_digest(secret.encode(), admin_token.encode()):
        return Principal(token_id=ADMIN_ID, role=Role.hq, shelter_id=None)
    transaction = session.get_transaction()
    known: tuple[object, dict[str, Principal]] | None = session.info.get(_KNOWN)
    if known is None or known[0] is not transaction:
        known = session.info[_KNOWN] = (transaction, {})
    principal = known[1].get(secret)
    if principal is None:
        row = session.connection().execute(_TOKEN, {"hash": hash_token(secret)}).first()
        if row is None:
            raise Unauthorized("Unknown or revoked token; ask HQ for a new one.")
        if row.revoked_at is not None:
            raise Revoked()
        principal = Principal(token_id=row.id, role=Role(row.role), shelter_id=row.shelter_id)
        if transaction is not None:
            known[1][secret] = principal
    return principal


def label_of(session: Session, principal: Principal) -> str:
    token = session.get(Token, principal.token_id)
    return token.label if token is not None else ""


class Act(StrEnum):
    """What a caller may ask to do; who may is decided in ``authorize`` alone."""

    check_in = "check people in or out"
    personal = "see or change personal data"
    administer = "do this"


# Besides hq (everything, everywhere): the roles that may do each act, in their own shelter.
_ALLOWED: dict[Act, frozenset[Role]] = {
    Act.check_in: frozenset({Role.kiosk, Role.staff}),
    Act.personal: frozenset({Role.staff}),
    Act.administer: frozenset(),
}


def authorize(principal: Principal, act: Act, *, shelter_id: str | None = None) -> None:
    """The one rule of token scope: may this caller do ``act`` at ``shelter_id``?

    hq may do everything everywhere. A kiosk or staff token may do only what its role
    allows, and only at its own shelter; ``shelter_id`` None (a household that is in no
    shelter now) is nobody's shelter, so only hq may act on it.
    """
    if principal.is_hq:
        return
    if principal.role not in _ALLOWED[act]:
        if act is Act.administer:
            raise Forbidden("Only an hq token may do this.")
        raise Forbidden(f"A {principal.role.value} token may not {act.value}.")
    if shelter_id is None or principal.shelter_id != shelter_id:
        if act is Act.personal:
            # Says nothing of where the household is: that is personal data too.
            raise Forbidden(
                "Only staff of the shelter a household is in now, and hq, may see or change "
                "its personal data."
            )
        raise Forbidden(f"This token is for shelter {principal.shelter_id!r}, not {shelter_id!r}.")
