"""Domain errors carry their HTTP status; one handler turns them into JSON."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException

log = logging.getLogger("shelter")


class ShelterError(Exception):
    """A request the service refuses, with a message a person can act on."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers

    def __reduce__(self) -> tuple[Any, ...]:
        # Sent back from the writer's process (``writes/remote.py``): rebuilt as it is,
        # whatever its class's own arguments are.
        return (_rebuilt, (type(self), self.message, self.headers))


def _rebuilt(
    kind: type[ShelterError], message: str, headers: dict[str, str] | None
) -> ShelterError:
    error = kind.__new__(kind)
    ShelterError.__init__(error, message, headers=headers)
    return error


class Invalid(ShelterError):
    status_code = 422
    code = "invalid"


class NotFound(ShelterError):
    status_code = 404
    code = "not_found"


class UnknownPass(NotFound):
    """A pass code nobody holds: what a guesser sees, so it is rate-limited."""

    code = "unknown_pass"

    def __init__(self) -> None:
        super().__init__("Unknown pass code. Check the code, or check the person in as a walk-in.")


class TooManyRequests(ShelterError):
    status_code = 429
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, headers={"Retry-After": str(max(retry_after, 1))})


class Conflict(ShelterError):
    status_code = 409
    code = "conflict"


class Unauthorized(ShelterError):
    status_code = 401
    code = "unauthorized"

    def __init__(self, message: str) -> None:
        super().__init__(message, headers={"WWW-Authenticate": "Bearer"})


class Revoked(Unauthorized):
    """A token that was real and is revoked: refused, but not a guess (its holder is known)."""

    def __init__(self) -> None:
        super().__init__("This token was revoked; ask HQ for a new one.")


class Forbidden(ShelterError):
    status_code = 403
    code = "forbidden"


def refusal(exc: ShelterError) -> JSONResponse:
    """The answer to a refused request: its message, its code, its headers."""
    return JSONResponse(
        {"detail": exc.message, "code": exc.code},
        status_code=exc.status_code,
        headers=exc.headers,
    )


def unavailable(method: str, path: str) -> JSONResponse:
    # The database went away (a restart, a network cut): not the client's fault, and a
    # retry in a moment will work. Idempotent event ids make that retry safe.
    log.warning("database unavailable on %s %s", method, path)
    return JSONResponse(
        {"detail": "The database is briefly unavailable; try again.", "code": "unavailable"},
        status_code=503,
        headers={"Retry-After": "1"},
    )


def internal(exc: Exception, method: str, path: str) -> JSONResponse:
    # A bug, never the client's fault: log the type and path, not the body (personal data).
    log.error("unhandled %s on %s %s", type(exc).__name__, method, path)
    return JSONResponse({"detail": "internal error", "code": "internal"}, status_code=500)


def answer_for(exc: Exception, method: str, path: str) -> JSONResponse:
    """What a handler that raised ``exc`` answers: the same as the app's exception handlers
    (``install``), for the routes the edge serves without FastAPI (``edge.py``)."""
    if isinstance(exc, ShelterError):
        return refusal(exc)
    if isinstance(exc, OperationalError):
        return unavailable(method, path)
    return internal(exc, method, path)


def install(app: FastAPI) -> None:
    @app.exception_handler(ShelterError)
    async def _shelter_error(_request: Request, exc: ShelterError) -> JSONResponse:
        return refusal(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's default echoes the input back: personal data in error bodies, and a
        # NaN or a lone surrogate that cannot even be encoded (a 500). Say where and what.
        return JSONResponse(
            {"detail": [_describe(error) for error in exc.errors()], "code": "invalid"},
            status_code=422,
        )

    @app.exception_handler(HTTPException)
    async def _http(_request: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 400 and "parsing the body" in str(exc.detail):
            # A body too big or too deep to parse is still just malformed JSON.
            return JSONResponse(
                {"detail": "The body is not JSON this service can read.", "code": "invalid"},
                status_code=422,
            )
        if exc.status_code == 413:  # a body over its bound (bodies.py)
            return JSONResponse(
                {"detail": exc.detail, "code": "too_large"},
                status_code=413,
                headers={"Connection": "close"},
            )
        return JSONResponse(
            {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(OperationalError)
    async def _database_down(request: Request, exc: OperationalError) -> JSONResponse:
        return unavailable(request.method, request.url.path)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return internal(exc, request.method, request.url.path)


def _describe(error: Any) -> dict[str, Any]:
    loc = [part if isinstance(part, int) else _safe(str(part)) for part in error.get("loc", ())]
    return {"loc": loc, "msg": _safe(str(error.get("msg", ""))), "type": error.get("type", "")}


def _safe(text: str) -> str:
    return text[:200].encode("utf-8", "replace").decode("utf-8")
