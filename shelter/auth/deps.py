"""Who is calling: the bearer token, checked against the token table (or the admin token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shelter.auth import service as auth
from shelter.deps import LimitsDep, SessionDep, SettingsDep
from shelter.errors import Revoked, Unauthorized
from shelter.ratelimit import client_key

_bearer = HTTPBearer(auto_error=False, description="A token from HQ (kiosk, staff or hq)")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
_MISSING = "This needs a token: send 'Authorization: Bearer <token>'."


async def get_bearer(credentials: Credentials) -> str:
    """The token as sent, checked later where the database is already open (the writer)."""
    if credentials is None or not credentials.credentials:
        raise Unauthorized(_MISSING)
    return credentials.credentials


def get_optional_principal(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    limits: LimitsDep,
    credentials: Credentials,
) -> auth.Principal | None:
    """The caller if a token was sent (and it must then be valid), else None. Wrong tokens
    are throttled per address (ratelimit.py)."""
    if credentials is None or not credentials.credentials:
        return None
    secret, client = credentials.credentials, client_key(request)
    limits.check_token(secret, client)
    try:
        principal = auth.authenticate(session, secret=secret, admin_token=settings.admin_token)
    except Unauthorized as refused:
        limits.token_failed(secret, client, guess=not isinstance(refused, Revoked))
        raise
    limits.token_worked(secret)
    return principal


async def get_principal(
    principal: Annotated[auth.Principal | None, Depends(get_optional_principal)],
) -> auth.Principal:
    if principal is None:
        raise Unauthorized(_MISSING)
    return principal


async def get_hq(principal: Annotated[auth.Principal, Depends(get_principal)]) -> auth.Principal:
    auth.authorize(principal, auth.Act.administer)
    return principal


BearerDep = Annotated[str, Depends(get_bearer)]
PrincipalDep = Annotated[auth.Principal, Depends(get_principal)]
HqDep = Annotated[auth.Principal, Depends(get_hq)]
OptionalPrincipalDep = Annotated[auth.Principal | None, Depends(get_optional_principal)]
