"""Headers every answer carries, set in one place instead of route by route.

- ``X-Content-Type-Options: nosniff`` on everything: a browser never second-guesses a type
  (a CSV or a PNG is never run as a script).
- ``Cache-Control: no-store`` on every API answer that does not say otherwise: tokens,
  pass codes and personal data must never sit in a browser's or a proxy's cache. The few
  answers meant to be cached (occupancy with its ETag, pass images) set their own.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_NOSNIFF = (b"x-content-type-options", b"nosniff")
_NO_STORE = (b"cache-control", b"no-store")


class SafeHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = scope["path"].startswith("/api/")

        async def add(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                if _NOSNIFF[0] not in names:
                    headers.append(_NOSNIFF)
                if api and _NO_STORE[0] not in names:
                    headers.append(_NO_STORE)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, add)
