"""FastAPI dependencies every router shares: settings, sessions, the writer, the limits.

Who the caller is lives with the tokens (``auth/deps.py``). Dependencies that do no I/O
are ``async def``: FastAPI runs a plain ``def`` dependency in its thread pool, a hop that
costs more than the work on the check-in path.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from shelter.config import Settings
from shelter.db import Database
from shelter.ratelimit import Limits
from shelter.writes.writer import GroupWriter


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_writer(request: Request) -> GroupWriter:
    """The one write path (every change goes through it; see writes/path.py)."""
    writer: GroupWriter = request.app.state.writer
    return writer


async def get_limits(request: Request) -> Limits:
    limits: Limits = request.app.state.limits
    return limits


def get_session(db: Annotated[Database, Depends(get_db)]) -> Iterator[Session]:
    """A read-only session; writes go through the writer."""
    with db.reader() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_db)]
SessionDep = Annotated[Session, Depends(get_session)]
WriterDep = Annotated[GroupWriter, Depends(get_writer)]
LimitsDep = Annotated[Limits, Depends(get_limits)]
