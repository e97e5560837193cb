"""The websocket route /ws/occupancy; the fan-out itself lives in hub.py."""

from __future__ import annotations

import asyncio
import json
import logging
from urllib.parse import urlsplit

from fastapi import APIRouter, Request, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from shelter.auth import service as auth
from shelter.config import Settings
from shelter.db import Database
from shelter.errors import ShelterError
from shelter.live.hub import NEEDS_KEY, Hub, Subscriber, dumps

log = logging.getLogger("shelter.live")
router = APIRouter()


def origin_allowed(origin: str | None, host: str | None, allowed: list[str]) -> bool:
    """Browsers send Origin on the handshake, and CORS does not cover websockets: check it.

    A client with no Origin is not a browser (a server, a bot) and cannot be a cross-site
    page riding on a visitor's browser, so it may connect.
    """
    if origin is None:
        return True
    if origin in allowed:
        return True
    parts = urlsplit(origin)
    return bool(host) and parts.scheme in ("http", "https") and parts.netloc == host


async def _close(websocket: WebSocket, *, code: int, reason: str) -> None:
    try:
        async with asyncio.timeout(1):
            await websocket.close(code=code, reason=reason)
    except Exception:  # noqa: S110 - already closing; nothing more to do
        pass


async def _authenticate(websocket: WebSocket, token: object) -> bool:
    """hq's first message may carry its token: no long-lived secret in the URL."""
    db: Database = websocket.app.state.db
    settings: Settings = websocket.app.state.settings
    if not isinstance(token, str) or not token:
        return False

    def check() -> auth.Principal:
        with db.reader() as session:
            return auth.authenticate(session, secret=token, admin_token=settings.admin_token)

    try:
        principal = await run_in_threadpool(check)
    except ShelterError:
        return False
    return principal.is_hq


@router.get("/api/v1/live/stats", tags=["occupancy"])
def live_stats(request: Request) -> dict[str, int]:
    """How many clients this worker is feeding (for operators and tests)."""
    hub: Hub = request.app.state.hub
    return {"subscribers": hub.subscriber_count}


async def _serve_client(websocket: WebSocket, subscriber: Subscriber, hub: Hub) -> None:
    """Read what the client says: only an optional hq auth message is understood."""
    while True:
        text = await websocket.receive_text()
        try:
            message = json.loads(text)
        except ValueError:
            continue
        if not isinstance(message, dict) or message.get("type") != "auth":
            continue
        subscriber.is_hq = await _authenticate(websocket, message.get("token"))
        role = "hq" if subscriber.is_hq else None
        subscriber.offer("\x00auth", dumps({"type": "auth", "role": role}))
        needs = hub.needs_message()
        if subscriber.is_hq:
            if needs is not None:
                subscriber.offer(NEEDS_KEY, needs)
            hub.mark_needs_dirty()


@router.websocket("/ws/occupancy")
async def occupancy_feed(websocket: WebSocket) -> None:
    """A snapshot of every shelter, then an update for every change (public).

    Send {"type": "auth", "token": "<hq token>"} to also receive hq's needs breakdown.
    """
    hub: Hub = websocket.app.state.hub
    settings: Settings = websocket.app.state.settings
    if not origin_allowed(
        websocket.headers.get("origin"), websocket.headers.get("host"), settings.allowed_origins
    ):
        await websocket.close(code=1008)  # before accept: the handshake gets HTTP 403
        return
    await websocket.accept()
    handler = asyncio.current_task()

    async def drop() -> None:
        # The handler is blocked reading from a client that may never speak: cancel it so
        # the hub lets go of this client at once, then try to say why.
        if handler is not None:
            handler.cancel()
        await _close(websocket, code=1008, reason="too slow")

    subscriber = hub.subscribe(
        websocket.send_text, timeout=settings.live_send_timeout_seconds, on_drop=drop
    )
    subscriber.hold()  # updates published while the snapshot goes out wait, merged
    try:
        async with asyncio.timeout(settings.live_send_timeout_seconds):
            await websocket.send_text(hub.snapshot_message())
        subscriber.release()
        await _serve_client(websocket, subscriber, hub)
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if not subscriber.closed or current is None:
            raise
        current.uncancel()  # the hub dropped this client: a normal end, not a shutdown
    except (WebSocketDisconnect, RuntimeError, TimeoutError):
        pass
    finally:
        hub.unsubscribe(subscriber)
