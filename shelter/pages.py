"""The pages people open: the public vacancy page (/), registration for a pass
(/register), 安否 inquiries (/anpi), the HQ dashboard (/dashboard), the staff desk (/staff)
and the entrance kiosk (/kiosk).

They are static files in ``dashboard/`` and ``kiosk/`` that talk to the API and
/ws/occupancy; nothing is loaded from outside this service, so they work on a shelter's
own network. The kiosk's QR decoder (the ``barcode-detector`` polyfill and its zxing
WebAssembly) comes from npm at install time and is served from here too, so a kiosk scans
with no internet at all.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse
from starlette.staticfiles import StaticFiles

from shelter.config import Settings
from shelter.errors import NotFound
from shelter.maps.router import router as map_router
from shelter.maps.tiles import tile_source

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
NOSNIFF = {"X-Content-Type-Options": "nosniff"}
# The kiosk also compiles the QR decoder's WebAssembly and runs a service worker; camera
# frames never leave the page.
KIOSK_HEADERS = {
    **PAGE_HEADERS,
    "Content-Security-Policy": CSP.replace(
        "script-src 'self';", "script-src 'self' 'wasm-unsafe-eval'; worker-src 'self';"
    ),
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
}
# What the kiosk may load from node_modules: exactly these files, nothing else there.
VENDOR: dict[str, tuple[str, ...]] = {
    "barcode-detector.js": ("barcode-detector", "dist", "iife", "ponyfill.js"),
    "zxing_reader.wasm": ("zxing-wasm", "dist", "reader", "zxing_reader.wasm"),
}


# The public page's map (Leaflet), likewise from npm.
MAP_VENDOR: dict[str, tuple[str, ...]] = {
    "leaflet.js": ("leaflet", "dist", "leaflet.js"),
    "leaflet.css": ("leaflet", "dist", "leaflet.css"),
}


def public_headers(settings: Settings) -> dict[str, str]:
    """The public page may show map tiles from the one configured tile host, no other."""
    source = tile_source(settings.map_tiles)
    if source is None:
        return PAGE_HEADERS
    return {
        **PAGE_HEADERS,
        "Content-Security-Policy": CSP.replace(
            "img-src 'self' data: blob:;", f"img-src 'self' data: blob: {source.origin};"
        ),
    }


# The API documentation page's own files, from npm (swagger-ui-dist), likewise.
DOCS_VENDOR: dict[str, tuple[str, ...]] = {
    "swagger-ui-bundle.js": ("swagger-ui-dist", "swagger-ui-bundle.js"),
    "swagger-ui.css": ("swagger-ui-dist", "swagger-ui.css"),
}
# Swagger UI sets some styles from script; it still loads and calls nothing but this origin.
DOCS_HEADERS = {
    **PAGE_HEADERS,
    "Content-Security-Policy": CSP.replace(
        "style-src 'self';", "style-src 'self' 'unsafe-inline';"
    ),
}


def _page(request: Request, *parts: str, headers: dict[str, str] = PAGE_HEADERS) -> FileResponse:
    settings: Settings = request.app.state.settings
    return FileResponse(Path(settings.pages_root, *parts), headers=headers)


@router.get("/")
def public_page(request: Request) -> FileResponse:
    headers = public_headers(request.app.state.settings)
    return _page(request, "dashboard", "public", "index.html", headers=headers)


@router.get("/dashboard")
def hq_dashboard(request: Request) -> FileResponse:
    return _page(request, "dashboard", "hq", "index.html")


@router.get("/register")
def register_page(request: Request) -> FileResponse:
    return _page(request, "dashboard", "register", "index.html")


@router.get("/anpi")
def anpi_page(request: Request) -> FileResponse:
    """安否 inquiry: is a family member in a shelter (told only with their consent)."""
    return _page(request, "dashboard", "anpi", "index.html")


@router.get("/staff")
def staff_page(request: Request) -> FileResponse:
    return _page(request, "dashboard", "staff", "index.html")


@router.get("/kiosk")
def kiosk_page(request: Request) -> FileResponse:
    return _page(request, "kiosk", "index.html", headers=KIOSK_HEADERS)


@router.get("/kiosk/")
def kiosk_slash() -> RedirectResponse:
    return RedirectResponse("/kiosk", status_code=308)


@router.get("/kiosk/sw.js")
def kiosk_service_worker(request: Request) -> FileResponse:
    # Served from /kiosk/ but controls /kiosk itself, which sits just outside its folder.
    headers = {**KIOSK_HEADERS, "Service-Worker-Allowed": "/kiosk"}
    return _page(request, "kiosk", "sw.js", headers=headers)


def _vendor(request: Request, files: dict[str, tuple[str, ...]], name: str) -> FileResponse:
    """One listed file from node_modules; nothing else there can be fetched."""
    settings: Settings = request.app.state.settings
    parts = files.get(name)
    if parts is None:
        raise NotFound(f"No vendor file {name!r}.")
    path = Path(settings.pages_root, "node_modules", *parts)
    if not path.is_file():
        raise NotFound(f"{name} is not installed: run `npm ci` (make run does).")
    media = {".wasm": "application/wasm", ".css": "text/css"}.get(path.suffix, "text/javascript")
    return FileResponse(path, media_type=media, headers={"Cache-Control": "no-cache", **NOSNIFF})


@router.get("/kiosk/vendor/{name}")
def kiosk_vendor(name: str, request: Request) -> FileResponse:
    return _vendor(request, VENDOR, name)


@router.get("/map/vendor/{name}")
def map_vendor(name: str, request: Request) -> FileResponse:
    return _vendor(request, MAP_VENDOR, name)


@router.get("/docs")
def swagger_page(request: Request) -> FileResponse:
    return _page(request, "dashboard", "api", "docs.html", headers=DOCS_HEADERS)


@router.get("/redoc")
def redoc_page() -> RedirectResponse:
    # ReDoc's bundle fetches its logo from a CDN whatever it is told; one offline API page
    # (Swagger UI) serves both addresses instead.
    return RedirectResponse("/docs", status_code=308)


@router.get("/docs/vendor/{name}")
def docs_vendor(name: str, request: Request) -> FileResponse:
    return _vendor(request, DOCS_VENDOR, name)


def install(app: FastAPI, settings: Settings) -> None:
    app.include_router(router)
    app.include_router(map_router)
    for name in ("dashboard", "kiosk"):
        directory = settings.pages_root / name
        if directory.is_dir():
            app.mount(f"/static/{name}", StaticFiles(directory=directory), name=name)
