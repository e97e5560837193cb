"""The service's one ASGI layer in front of FastAPI: everything every request needs, once.

One pure-ASGI class instead of a stack of five (request id, access log, safe headers, body
limit, live feed): each layer of a stack is another coroutine frame and another ``send``
wrapper per request, and at a few thousand requests a second that was a third of the time
of a read served from memory (profile in docs/benchmarks.md, issue #15). ``Edge``:

- serves ``/ws/occupancy`` itself (the live feed, ``live/router.py``): a websocket held for
  hours holds none of FastAPI's frames;
- gives every HTTP request a request id (``X-Request-ID`` as sent when it is a UUID or 32
  hex digits, else a new one), in the answer and in every log line of the request;
- bounds request bodies before they are read (``bodies.py``);
- says ``nosniff`` on every answer and ``no-store`` on every API answer that does not set
  its own ``Cache-Control`` (``headers.py``);
- logs each request by route template, status and duration (``logs.py``: never a path as
  sent, which may hold a pass code);
- answers the hot public reads straight from the live state this process holds
  (``/healthz``, ``/api/v1/occupancy``, ``/api/v1/shelters``, ``/api/v1/shelters/{id}``),
  the same bodies and headers as their FastAPI routes, which stay declared for the OpenAPI
  document and answer whatever this layer passes on (a shelter it does not hold, another
  method, a query string it does not know);
- takes a well-formed check-in (``POST /api/v1/events``: JSON that is a valid event, a
  bearer token, a declared length) through the same ``events/intake.py`` as its route,
  without FastAPI's routing, dependency and exception layers (over half of a check-in's
  time on the event loop, issue #15). Anything else (a body that does not validate, no
  token, another content type, a chunked body) goes on to the route with the body read
  here replayed, so every refusal keeps its shape; a refusal of a well-formed event is
  answered by the app's own error answers (``errors.answer_for``).
"""

from __future__ import annotations

import itertools
import json
import logging
import secrets
import time
from typing import Any
from uuid import UUID

from asgi_correlation_id.context import correlation_id
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shelter import errors
from shelter.bodies import refuse, too_large
from shelter.events.intake import take as take_event
from shelter.events.schemas import EventIn
from shelter.headers import NO_STORE, NOSNIFF
from shelter.live.router import PATH as FEED_PATH
from shelter.live.router import occupancy_feed
from shelter.ratelimit import address_key

access = logging.getLogger("shelter.access")

_JSON = (b"content-type", b"application/json")
_HEALTHZ = b'{"status":"ok"}'
_SHELTERS = "/api/v1/shelters"
_ONE_SHELTER = "/api/v1/shelters/"
_EVENTS = "/api/v1/events"
# New request ids: 32 hex digits, this process's random half and a counter. Unique across
# workers and restarts as a UUID would be, without a draw from the system per request.
_PROCESS = secrets.token_hex(8)
_NEXT = itertools.count(1)


def request_id(sent: bytes | None) -> str:
    """The id a client sent, if it is one (a UUID, or 32 hex digits as nginx makes), else new."""
    if sent:
        try:
            text = sent.decode("latin-1")
            UUID(text, version=4)
            return text
        except ValueError:
            pass
    return f"{_PROCESS}{next(_NEXT):016x}"


class Edge:
    def __init__(
        self,
        app: ASGIApp,
        *,
        state: Any,
        max_body: int,
        max_body_by_path: dict[str, int],
    ) -> None:
        self.app = app
        self.state = state  # the FastAPI app's state: hub, settings, db
        self.max_body = max_body
        self.max_body_by_path = max_body_by_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "websocket" and scope["path"] == FEED_PATH:
            await occupancy_feed(self.state, scope, receive, send)
            return
        if kind != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        path: str = scope["path"]
        sent_id = None
        length = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                sent_id = value
            elif name == b"content-length":
                length = value
        rid = request_id(sent_id)
        correlation_id.set(rid)
        rid_header = (b"x-request-id", rid.encode())
        api = path.startswith("/api/")
        status = 500
        route: str | None = None

        async def answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", ()))
                has_nosniff = has_cache = False
                for name, _ in headers:
                    lowered = name.lower()
                    if lowered == NOSNIFF[0]:
                        has_nosniff = True
                    elif lowered == NO_STORE[0]:
                        has_cache = True
                if not has_nosniff:
                    headers.append(NOSNIFF)
                if api and not has_cache:
                    headers.append(NO_STORE)
                headers.append(rid_header)
                message["headers"] = headers
            await send(message)

        try:
            route = await self._fast(scope, path, answer)
            if route is not None:
                return
            if scope["method"] == "POST" and path == _EVENTS and not scope["query_string"]:
                taken, receive = await self._event(scope, receive, answer, length)
                if taken:
                    route = _EVENTS
                    return
            limit = self.max_body_by_path.get(path, self.max_body)
            if length is not None and length.isdigit() and int(length) > limit:
                await refuse(answer, limit)
                return
            await self.app(scope, _counted(receive, limit), answer)
        finally:
            if access.isEnabledFor(logging.INFO):
                if route is None:
                    route = getattr(scope.get("route"), "path", "(unmatched)")
                access.info(
                    "request",
                    extra={
                        "method": scope["method"],
                        "route": route,
                        "status": status,
                        "ms": round((time.perf_counter() - start) * 1000, 2),
                    },
                )

    async def _fast(self, scope: Scope, path: str, send: Send) -> str | None:
        """Answer a hot read from memory; its route template, or None to pass it on."""
        if scope["method"] != "GET" or scope["query_string"]:
            return None
        if path == "/healthz":
            await _send(send, 200, [_JSON], _HEALTHZ)
            return path
        if not path.startswith("/api/v1/"):
            return None
        hub = getattr(self.state, "hub", None)
        if hub is None or not hub.ready:
            return None
        if path == "/api/v1/occupancy":
            etag, body = hub.occupancy()
            headers = [(b"etag", etag.encode()), (b"cache-control", b"no-cache")]
            match = next((v for k, v in scope["headers"] if k == b"if-none-match"), None)
            if match and etag in {tag.strip() for tag in match.decode("latin-1").split(",")}:
                await _send(send, 304, headers, b"")
            else:
                await _send(send, 200, [_JSON, *headers], body.encode())
            return path
        if path == _SHELTERS:
            await _send(send, 200, [_JSON], hub.shelters_json().encode())
            return path
        if path.startswith(_ONE_SHELTER):
            shelter_id = path[len(_ONE_SHELTER) :]
            if "/" in shelter_id:
                return None
            one = hub.shelter_json(shelter_id)
            if one is None:
                return None  # the route answers: a 404 in the error shape, or a fresh read
            await _send(send, 200, [_JSON], one.encode())
            return _ONE_SHELTER + "{shelter_id}"
        return None

    async def _event(
        self, scope: Scope, receive: Receive, send: Send, length: bytes | None
    ) -> tuple[bool, Receive]:
        """Take a well-formed check-in here; else (False, a receive that replays the body)."""
        writer = getattr(self.state, "writer", None)
        if writer is None or length is None or not length.isdigit():
            return False, receive
        if int(length) > self.max_body:
            return False, receive
        token = kind = None
        for name, value in scope["headers"]:  # the first of each, as Starlette reads them
            if name == b"authorization" and token is None:
                scheme, _, credentials = value.decode("latin-1").partition(" ")
                # Only the plain form; FastAPI's HTTPBearer judges anything else.
                token = credentials if scheme.lower() == "bearer" else ""
            elif name == b"content-type" and kind is None:
                kind = value.split(b";", 1)[0].strip().lower()
        if not token or kind != b"application/json" or token != token.strip() or " " in token:
            return False, receive
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away mid-body
                return False, _replay(b"".join(chunks), receive, more=message)
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        try:
            # As FastAPI reads a JSON body (json.loads), then the model in Python mode.
            data = EventIn.model_validate(json.loads(body))
        except (ValueError, RecursionError):  # pydantic's ValidationError is a ValueError
            return False, _replay(body, receive)
        client = scope.get("client")
        try:
            status, out = await take_event(
                data,
                token=token,
                client=address_key(client[0] if client else None),
                limits=self.state.limits,
                writer=writer,
            )
        except Exception as exc:  # refused: the same answer the app's handlers give
            await errors.answer_for(exc, "POST", _EVENTS)(scope, receive, send)
        else:
            await _send(send, status, [_JSON], out)
        return True, receive


def _replay(body: bytes, receive: Receive, *, more: Message | None = None) -> Receive:
    """A receive that hands on a body already read, then whatever comes after it."""
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": more is not None}]
    if more is not None:
        pending.append(more)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay


def _counted(receive: Receive, limit: int) -> Receive:
    """A body without a declared length is counted as it streams and refused past the bound."""
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                # Raised inside the app's body read: FastAPI passes an HTTPException
                # through, and the error handler answers it (errors.py).
                raise HTTPException(413, detail=too_large(limit))
        return message

    return counted


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    if status != 304:  # as Starlette: a 304 has no body and says no length
        headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
