"""Domain and use-case errors as the kit's one error shape, by family:
InvalidInput -> 422, Conflict -> 409, Forbidden -> 403, unknown order -> 404, intake
paused -> 503 (temporary: the same request will work once intake resumes)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from walletreports.kit.http.errors import ApiError

from ...domain import Conflict, DomainError, Forbidden, InvalidInput
from ...service_layer.errors import IntakePaused, OrderNotFound


def _status(exc: DomainError) -> int:
    for family, status in ((InvalidInput, 422), (Conflict, 409), (Forbidden, 403)):
        if isinstance(exc, family):
            return status
    return 400


def api_error(exc: DomainError | OrderNotFound | IntakePaused) -> ApiError:
    if isinstance(exc, DomainError):
        status = _status(exc)
        extra: dict[str, Any] = {}
        if exc.field is not None:
            # `fields` as well, in the shape request validation errors use, so a client
            # shows both kinds next to the field the same way.
            extra = {"field": exc.field, "fields": [{"field": exc.field, "message": exc.message}]}
        return ApiError(status, exc.code, exc.message, **extra)
    if isinstance(exc, OrderNotFound):
        return ApiError(404, exc.code, exc.message)
    return ApiError(503, exc.code, exc.message, reason=exc.reason)


class DomainErrorRoute(APIRoute):
    """Routes of this class answer domain refusals with a clear 4xx instead of a 500."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def translated(request: Request) -> Response:
            try:
                return await handler(request)
            except (DomainError, OrderNotFound, IntakePaused) as exc:
                raise api_error(exc) from exc

        return translated
