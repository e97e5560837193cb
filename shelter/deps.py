"""FastAPI dependencies shared by every router: settings, sessions, the caller.

Dependencies that do no I/O are ``async def``: FastAPI runs a plain ``def`` dependency in
its thread pool, a hop that costs more than the work on the check-in path.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from shelter.auth import service as auth
from shelter.config import Settings
from shelter.db import Database
from shelter.errors import Unauthorized
from shelter.live.hub import Hub
from shelter.ratelimit import Limits

_bearer = HTTPBearer(auto_error=False, description="A token from HQ (kiosk, staff or hq)")


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


async def get_limits(request: Request) -> Limits:
    limits: Limits = request.app.state.limits
    return limits


def get_session(db: Annotated[Database, Depends(get_db)]) -> Iterator[Session]:
    with db.reader() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_db)]
SessionDep = Annotated[Session, Depends(get_session)]
HubDep = Annotated[Hub, Depends(get_hub)]
LimitsDep = Annotated[Limits, Depends(get_limits)]


async def get_bearer(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The token as sent, checked later where the database is already open (the writer)."""
    if credentials is None or not credentials.credentials:
        raise Unauthorized("This needs a token: send 'Authorization: Bearer <token>'.")
    return credentials.credentials


BearerDep = Annotated[str, Depends(get_bearer)]


def get_principal(
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> auth.Principal:
    if credentials is None or not credentials.credentials:
        raise Unauthorized("This needs a token: send 'Authorization: Bearer <token>'.")
    return auth.authenticate(
        session, secret=credentials.credentials, admin_token=settings.admin_token
    )


async def get_hq(principal: Annotated[auth.Principal, Depends(get_principal)]) -> auth.Principal:
    auth.ensure_hq(principal)
    return principal


PrincipalDep = Annotated[auth.Principal, Depends(get_principal)]
HqDep = Annotated[auth.Principal, Depends(get_hq)]


def get_optional_principal(
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> auth.Principal | None:
    """The caller if a token was sent (and it must then be valid), else None."""
    if credentials is None or not credentials.credentials:
        return None
    return auth.authenticate(
        session, secret=credentials.credentials, admin_token=settings.admin_token
    )


OptionalPrincipalDep = Annotated[auth.Principal | None, Depends(get_optional_principal)]
