"""The application factory: routers, error handling, and startup (migrate, seed)."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp

from shelter import backups, errors, pages
from shelter.audit.router import router as audit_router
from shelter.auth.router import router as tokens_router
from shelter.bootstrap import bootstrap, settle_heap
from shelter.config import Settings
from shelter.db import Database, utcnow
from shelter.edge import Edge
from shelter.events.router import router as events_router
from shelter.households import needs
from shelter.households.router import router as households_router
from shelter.live import pgbridge
from shelter.live.hub import Hub
from shelter.live.router import router as live_router
from shelter.occupancy import service as occupancy
from shelter.occupancy.router import router as occupancy_router
from shelter.occupancy.schemas import ShelterStatus
from shelter.ratelimit import Limits
from shelter.reports.router import router as reports_router
from shelter.safety.router import router as safety_router
from shelter.shelters.router import router as shelters_router
from shelter.supplies.router import router as supplies_router
from shelter.writes.path import WritePath
from shelter.writes.remote import WriterProcess
from shelter.writes.writer import GroupWriter

log = logging.getLogger("shelter")


def _announce(admin_secret: str | None, settings: Settings) -> None:
    # Printed to the console, not logged: a log line may be shipped somewhere.
    if admin_secret:
        print(
            "\n  Admin (hq) token, shown only this once; keep it safe:\n"
            f"    {admin_secret}\n"
            "  Lost it? Make another with:  shelter token --role hq\n",
            file=sys.stderr,
            flush=True,
        )
    elif not settings.admin_token:
        print(
            "  Admin token: shown at first start. Make another: shelter token --role hq",
            file=sys.stderr,
            flush=True,
        )


def _all_statuses(db: Database, settings: Settings) -> list[ShelterStatus]:
    with db.reader() as session:
        return occupancy.list_statuses(session, settings)


def _some_statuses(db: Database, settings: Settings, ids: list[str]) -> list[ShelterStatus]:
    with db.engine.connect() as connection:
        return occupancy.statuses_by_id(connection, settings, ids)


def _needs_json(db: Database) -> str:
    with db.reader() as session:
        breakdown = needs.breakdown(session)
    return f'{{"type":"needs","data":{breakdown.model_dump_json()}}}'


async def _resync_loop(hub: Hub, db: Database, settings: Settings) -> None:
    """Safety net: whatever the feed missed reaches clients within one period."""
    while True:
        await asyncio.sleep(settings.live_resync_seconds)
        try:
            read_from = utcnow()
            hub.resync(await run_in_threadpool(_all_statuses, db, settings), read_from=read_from)
        except Exception:
            log.exception("live resync failed; trying again next period")


def create_app(settings: Settings | None = None, *, edge: bool = True) -> FastAPI:
    """The service. With ``edge`` (the default) its one ASGI layer (``edge.py``) is
    installed as middleware; ``serve_app`` puts it in front of the app instead."""
    settings = settings or Settings()
    db = Database(settings.database_url)

    hub = Hub()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        secret = await run_in_threadpool(bootstrap, db, settings)
        _announce(secret, settings)
        app.state.admin_secret = secret
        hub.bind(asyncio.get_running_loop())
        hub.set_needs_source(lambda: run_in_threadpool(_needs_json, db))
        hub.refresh(await run_in_threadpool(_all_statuses, db, settings))
        # The one write path; the hub is its publisher (the path itself knows no live feed).
        door = WriterProcess(settings, publisher=hub) if settings.door_writer_process else None
        writer = GroupWriter(WritePath(db, settings, publisher=hub), door=door)
        app.state.writer = writer
        await run_in_threadpool(writer.start)
        settle_heap()
        tasks = [
            asyncio.create_task(hub.fanout_loop(every=settings.live_fanout_every_seconds)),
            asyncio.create_task(_resync_loop(hub, db, settings)),
            asyncio.create_task(hub.needs_loop(settings.live_needs_interval_seconds)),
        ]
        if settings.backup_dir is not None:
            tasks.append(
                asyncio.create_task(
                    backups.schedule(
                        settings.database_url,
                        settings.backup_dir,
                        every=settings.backup_every_seconds,
                        keep=settings.backup_keep,
                    )
                )
            )
        if not db.is_sqlite:  # several workers share PostgreSQL: hear each other's changes
            tasks.append(
                asyncio.create_task(
                    pgbridge.listen(
                        db.url,
                        hub,
                        read_all=lambda: run_in_threadpool(_all_statuses, db, settings),
                        read_some=lambda ids: run_in_threadpool(_some_statuses, db, settings, ids),
                    )
                )
            )
        yield
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await run_in_threadpool(writer.stop)
        db.dispose()

    app = FastAPI(
        title="shelter",
        summary="Evacuation shelter check-in, occupancy and vacancy",
        version="0.1.0",
        lifespan=lifespan,
        # /docs and /redoc are served by pages.py from npm packages, never from a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.hub = hub
    app.state.limits = Limits(settings)
    errors.install(app)
    if edge:
        app.add_middleware(Edge, **_edge_options(app, settings))
    for router in (
        shelters_router,
        households_router,
        events_router,
        occupancy_router,
        tokens_router,
        audit_router,
        live_router,
        safety_router,
        reports_router,
        supplies_router,
    ):
        app.include_router(router)
    pages.install(app, settings)

    @app.get("/healthz", tags=["service"])
    async def healthz() -> JSONResponse:
        """200 while the process serves (liveness: cheap, no database; ``edge.py`` answers
        it before routing)."""
        return JSONResponse({"status": "ok"})

    @app.get("/readyz", tags=["service"], responses={503: {"description": "No database or writer"}})
    async def readyz() -> JSONResponse:
        """200 once the database answers and the writers run; 503 while either does not
        (readiness: a door's writer process being replaced, say)."""
        writer = getattr(app.state, "writer", None)
        try:
            await run_in_threadpool(_ping, db)
        except Exception:
            return JSONResponse({"status": "unavailable"}, status_code=503)
        if writer is None or not writer.ready:
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ready"})

    return app


def _ping(db: Database) -> None:
    with db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def _edge_options(app: FastAPI, settings: Settings) -> dict[str, Any]:
    return {
        "state": app.state,
        "max_body": settings.max_body_bytes,
        "max_body_by_path": {"/api/v1/shelters/import": settings.max_import_bytes},
    }


def serve_app() -> ASGIApp:
    """What ``shelter serve`` runs: the app with its edge (``edge.py``) in front of all of it.

    A feed connection then holds no frames of FastAPI's and Starlette's own layers (their
    error and telemetry wrappers), which ten thousand open sockets would each keep alive,
    and the reads the edge answers from memory never pass through them.
    """
    app = create_app(edge=False)
    return Edge(app, **_edge_options(app, app.state.settings))
