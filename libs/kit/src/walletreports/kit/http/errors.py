"""One error shape for every service: {"error": {"code", "message", "field"?, "fields"?}}.

This is the one place refusals become HTTP answers: the kit's DomainError family by
kind (kit.errors), request validation (422 naming each field), Starlette's own (404
for an unknown path, 405, ...), and bodies over the limit, refused before they are
read in full.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound, Unavailable

MAX_BODY_BYTES = 64 * 1024


class ApiError(Exception):
    """Raised by routes (or mapped from domain errors) to answer with a clear error."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **extra}}


def is_request_validation_error(body: Any) -> bool:
    """Whether `body` is the answer to a request that does not match the route's schema
    (the RequestValidationError handler below), not a refusal a service raised: only that
    answer is `invalid_request` with `fields` and no single `field`."""
    error = body.get("error") if isinstance(body, dict) else None
    return (
        isinstance(error, dict)
        and error.get("code") == "invalid_request"
        and "fields" in error
        and "field" not in error
    )


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or str(loc[0] if loc else "body")


# By kind; a DomainError of none of these kinds is a plain 400.
STATUS_OF_KIND: tuple[tuple[type[DomainError], int], ...] = (
    (InvalidInput, 422),
    (NotFound, 404),
    (Conflict, 409),
    (Forbidden, 403),
    (Unavailable, 503),
)


def status_of(exc: DomainError) -> int:
    for kind, status in STATUS_OF_KIND:
        if isinstance(exc, kind):
            return status
    return 400


def domain_error_body(exc: DomainError) -> dict[str, Any]:
    extra: dict[str, Any] = dict(exc.details)
    if exc.field is not None:
        # `fields` as well, in the shape request validation errors use, so a client
        # shows both kinds next to the field the same way.
        extra |= {"field": exc.field, "fields": [{"field": exc.field, "message": exc.message}]}
    return error_body(exc.code, exc.message, **extra)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _refused(_: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse(domain_error_body(exc), status_code=status_of(exc))

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.message, **exc.extra), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [
            {
                "field": _field(tuple(err["loc"])),
                "message": err["msg"].removeprefix("Value error, "),
            }
            for err in exc.errors()
        ]
        message = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
        return JSONResponse(error_body("invalid_request", message, fields=fields), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {
            401: "unauthorized",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            413: "body_too_large",
        }.get(exc.status_code, "http_error")
        return JSONResponse(
            error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
        )


class BodySizeLimit:
    """Refuse request bodies over `limit` bytes with 413, whatever Content-Length says."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send)
            return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge(self.limit)
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        response = JSONResponse(
            error_body("body_too_large", f"request body is larger than {self.limit} bytes"),
            status_code=413,
        )
        await response({"type": "http"}, _no_receive, send)


class _TooLarge(StarletteHTTPException):
    """An HTTPException, because FastAPI reading a streamed body inside a route turns any
    other exception into a 400 "error parsing the body"; this one it passes on, and the
    handler above answers it as 413 body_too_large."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body is larger than {limit} bytes")


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}
