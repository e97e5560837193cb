"""Request bodies are bounded before they are read (applied by ``edge.py``).

A JSON body is parsed whole, so without a bound a 200 MB registration grows the process by
hundreds of megabytes before validation refuses it. Here a body that says it is too large
(``Content-Length``) is answered 413 before a byte of it is read; one that does not say
(chunked) is counted as it streams in and refused the moment it passes the bound. The
open-data import, a file, has its own larger bound.
"""

from __future__ import annotations

import json

from starlette.types import Send


def too_large(limit: int) -> str:
    return f"The request body is over {limit:,} bytes; send less at once."


async def refuse(send: Send, limit: int) -> None:
    body = json.dumps({"detail": too_large(limit), "code": "too_large"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
