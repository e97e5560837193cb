"""The live feed's endpoints: /ws/occupancy (raw ASGI, in front of the app) and its stats.

/ws/occupancy is served by ``occupancy_feed``, called by the service's one ASGI layer
(``edge.py``). ``shelter serve`` puts that layer in front of the whole FastAPI application
(``app.serve_app``); ``create_app`` installs it as middleware, so the app alone serves the
feed too (tests, other servers).
A connection stays open for hours and every update is sent to every client, so what each
connection keeps alive and what each send passes through is multiplied by ten thousand:
here a client holds one small coroutine (no frames of FastAPI's and Starlette's layers),
the handshake's request and response are let go once the socket is open, and a send goes
straight to the server's websocket protocol. The fan-out itself is in hub.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import HTTPConnection
from starlette.types import Receive, Scope, Send

from shelter.auth import service as auth
from shelter.config import Settings
from shelter.db import Database
from shelter.errors import Revoked, ShelterError, TooManyRequests
from shelter.live.fastpath import direct_writer, release_handshake
from shelter.live.hub import AUTH_KEY, NEEDS_KEY, Hub, Subscriber, dumps
from shelter.ratelimit import Limits, client_key

log = logging.getLogger("shelter.live")
router = APIRouter()

PATH = "/ws/occupancy"


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


@router.get("/api/v1/live/stats", tags=["occupancy"])
def live_stats(request: Request) -> dict[str, int]:
    """How many clients this worker is feeding, how many by direct writes, and how many
    connections (since start) had their handshake state let go."""
    hub: Hub = request.app.state.hub
    return {
        "subscribers": hub.subscriber_count,
        "direct": hub.direct_count,
        "released": hub.released_count,
    }


async def occupancy_feed(state: Any, scope: Scope, receive: Receive, send: Send) -> None:
    """A snapshot of every shelter, then an update for every change (public).

    Send {"type": "auth", "token": "<hq token>"} to also receive hq's needs breakdown.
    """
    hub: Hub = state.hub
    settings: Settings = state.settings
    if (await receive())["type"] != "websocket.connect":
        return
    headers = Headers(scope=scope)
    if not origin_allowed(headers.get("origin"), headers.get("host"), settings.allowed_origins):
        await send({"type": "websocket.close", "code": 1008})  # the handshake gets HTTP 403
        return
    await send({"type": "websocket.accept"})
    if release_handshake(send, scope):
        hub.released_count += 1
    handler = asyncio.current_task()

    async def send_text(text: str) -> None:
        await send({"type": "websocket.send", "text": text})

    async def drop() -> None:
        # The handler is blocked reading from a client that may never speak: cancel it so
        # the hub lets go of this client at once, then try to say why.
        if handler is not None:
            handler.cancel()
        try:
            async with asyncio.timeout(1):
                await send({"type": "websocket.close", "code": 1008, "reason": "too slow"})
        except Exception:  # noqa: S110 - the client is beyond reach already
            pass

    subscriber = hub.subscribe(
        send_text,
        timeout=settings.live_send_timeout_seconds,
        on_drop=drop,
        write=direct_writer(send),
    )
    subscriber.hold()  # updates published while the snapshot goes out wait, merged
    try:
        async with asyncio.timeout(settings.live_send_timeout_seconds):
            await send_text(hub.snapshot_message())
        subscriber.release()
        while True:
            message = await receive()
            if message["type"] != "websocket.receive":
                break  # websocket.disconnect
            await _understand(message, subscriber, state, client_key(HTTPConnection(scope)))
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if not subscriber.closed or current is None:
            raise
        current.uncancel()  # the hub dropped this client: a normal end, not a shutdown
    except (OSError, RuntimeError, TimeoutError):
        pass  # the client went away (uvicorn raises ClientDisconnected, an OSError)
    finally:
        hub.unsubscribe(subscriber)


async def _understand(
    message: Mapping[str, Any], subscriber: Subscriber, state: Any, client: str
) -> None:
    """Only one client message is understood: hq's auth, so no token rides in the URL.

    Wrong tokens count against the address like any failed sign-in; over the limit the
    answer says so (``retry_after``) instead of checking the token.
    """
    hub: Hub = state.hub
    limits: Limits = state.limits
    try:
        body = json.loads(message.get("text") or "")
    except ValueError:
        return
    if not isinstance(body, dict) or body.get("type") != "auth":
        return
    token = body.get("token")
    answer: dict[str, object] = {"type": "auth", "role": None}
    principal = None
    if isinstance(token, str) and token:
        try:
            limits.check_token(token, client)
        except TooManyRequests as refused:
            answer["retry_after"] = int((refused.headers or {}).get("Retry-After", "60"))
        else:
            try:
                principal = await _authenticate(state.db, state.settings, token)
            except ShelterError as refused:
                limits.token_failed(token, client, guess=not isinstance(refused, Revoked))
            else:
                limits.token_worked(token)
    subscriber.is_hq = principal is not None and principal.is_hq
    subscriber.token_id = principal.token_id if subscriber.is_hq and principal else None
    if subscriber.is_hq:
        answer["role"] = "hq"
    subscriber.offer(AUTH_KEY, dumps(answer))
    if subscriber.is_hq:
        needs = hub.needs_message()
        if needs is not None:
            subscriber.offer(NEEDS_KEY, needs)
        hub.mark_needs_dirty()


async def _authenticate(db: Database, settings: Settings, token: str) -> auth.Principal:
    def check() -> auth.Principal:
        with db.reader() as session:
            return auth.authenticate(session, secret=token, admin_token=settings.admin_token)

    return await run_in_threadpool(check)
