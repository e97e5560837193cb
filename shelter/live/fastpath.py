"""The live feed's fast path: what it takes from uvicorn's websocket protocol, in one place.

Sending one update to 10,000 clients costs what each send passes through, ten thousand
times. Two things here reach past the ASGI interface into uvicorn's websockets (sans-I/O)
protocol object behind ``send``, so both are kept in this module alone:

- ``direct_writer``: the hub frames each message once and writes the bytes straight to
  every socket, instead of framing the same bytes once per client;
- ``release_handshake``: lets go of the handshake's request, response and headers that the
  protocol would otherwise keep for the whole life of the connection.

Both check that the protocol is the one they know, and fall back to plain ASGI otherwise.
``shelter serve`` runs uvicorn with ``ws="websockets-sansio"`` explicitly, pyproject.toml
pins uvicorn to the range tested, and ``tests/live/test_fastpath.py`` fails loudly if a
real server ever stops taking either path. ``GET /api/v1/live/stats`` counts both.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.types import Scope, Send
from websockets.protocol import State
from websockets.server import ServerProtocol

from shelter.live.hub import Write

# The uvicorn websocket implementation both tricks are written against.
WS_PROTOCOL = "websockets-sansio"


def direct_writer(send: Send) -> Write | None:
    """Pre-framed writes to the socket under ``send``, when the server is uvicorn's.

    Half the cost of sending one update to 10,000 clients was framing the same bytes
    10,000 times on the way through the websocket protocol (benchmarks.md). With uvicorn's
    websockets (sans-I/O) protocol behind ``send``, the hub frames each message once and
    this writes the bytes to the transport, exactly as the protocol's own send would after
    ``await writable.wait()``: only while the connection is open, has no extension that
    would change the frames (no permessage-deflate), and its socket is not paused. Any
    other server, or any other moment, gets ``None``/``False`` and the ordinary ASGI send.
    ``GET /api/v1/live/stats`` shows how many clients use it, and a test checks it is on.
    """
    protocol = getattr(send, "__self__", None)
    transport: Any = getattr(protocol, "transport", None)
    writable = getattr(protocol, "writable", None)
    conn = getattr(protocol, "conn", None)
    if not (
        isinstance(conn, ServerProtocol)
        and isinstance(writable, asyncio.Event)
        and callable(getattr(transport, "write", None))  # asyncio's or uvloop's transport
        and callable(getattr(transport, "is_closing", None))
        and not conn.extensions
    ):
        return None

    def write(frame: bytes) -> bool:
        if (
            conn.state is not State.OPEN
            or getattr(protocol, "close_sent", True)
            or not writable.is_set()
            or transport.is_closing()
        ):
            return False
        transport.write(frame)
        return True

    return write


def release_handshake(send: Send, scope: Scope) -> bool:
    """Let go of what only the handshake needed, once the socket is open.

    uvicorn's websockets (sans-I/O) protocol keeps the handshake's request and response,
    and the scope keeps every request header, for the whole life of the connection: about
    4 KB a client that nothing reads again (the Origin check is done; uvicorn's own log
    lines use only the client address and path). Like ``direct_writer``, this touches the
    protocol behind ``send`` only when it is uvicorn's and the handshake is complete.
    """
    protocol: Any = getattr(send, "__self__", None)
    if not (
        isinstance(getattr(protocol, "conn", None), ServerProtocol)
        and getattr(protocol, "handshake_complete", False) is True
        and hasattr(protocol, "request")
        and hasattr(protocol, "response")
    ):
        return False
    protocol.request = None
    protocol.response = None
    scope["headers"] = []
    return True
