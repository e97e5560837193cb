"""The pages people open: the public vacancy page (/) and the HQ dashboard (/dashboard).

They are static files in ``dashboard/`` that talk to the API and /ws/occupancy; nothing
is loaded from outside this service, so they work on a shelter's own network.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse
from starlette.staticfiles import StaticFiles

from shelter.config import Settings

router = APIRouter(include_in_schema=False)

# Pages run only our own scripts, talk only to this origin, and never sit in a frame.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _page(request: Request, *parts: str) -> FileResponse:
    settings: Settings = request.app.state.settings
    return FileResponse(Path(settings.pages_root, *parts), headers=PAGE_HEADERS)


@router.get("/")
def public_page(request: Request) -> FileResponse:
    return _page(request, "dashboard", "public", "index.html")


@router.get("/dashboard")
def hq_dashboard(request: Request) -> FileResponse:
    return _page(request, "dashboard", "hq", "index.html")


def install(app: FastAPI, settings: Settings) -> None:
    app.include_router(router)
    directory = settings.pages_root / "dashboard"
    if directory.is_dir():
        app.mount("/static/dashboard", StaticFiles(directory=directory), name="dashboard")
