"""What every Dune endpoint does around its own work: count execute requests, fire a
scripted status fault, check the API key (`X-Dune-Api-Key` header, or Dune's alternative
`api_key` query parameter), turn refusals into Dune's error bodies, and hold the answer of
a scripted hang. Plus the request parsing the endpoints share."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from .dune_errors import DuneApiError, error_response
from .emulator import DuneEmulator

log = logging.getLogger(__name__)

Handler = Callable[[Request, DuneEmulator], Awaitable[Response]]
EXECUTE_ENDPOINTS = frozenset({"execute", "execute_sql"})


def dune_endpoint(
    name: str, handler: Handler, emulator: DuneEmulator
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        if name in EXECUTE_ENDPOINTS:
            emulator.counts.record_received(_query_id_or_none(request))
        fault = emulator.faults.take_status(name)
        if fault is not None:
            return error_response(fault.status, fault.message, retry_after=fault.retry_after)
        if not _authorized(request, emulator.settings.api_key):
            return error_response(401)
        try:
            response = await handler(request, emulator)
        except DuneApiError as err:
            response = err.response()
        except Exception:  # answered as Dune answers its own crashes
            log.exception("%s %s failed", request.method, request.url.path)
            response = error_response(500)
        hang = emulator.faults.take_hang(name)
        if hang is not None:
            await asyncio.sleep(hang.seconds)
        return response

    return endpoint


def _authorized(request: Request, api_key: str) -> bool:
    given = request.headers.get("x-dune-api-key") or request.query_params.get("api_key") or ""
    return secrets.compare_digest(given.encode(), api_key.encode())


def _query_id_or_none(request: Request) -> int | None:
    try:
        return int(request.path_params["query_id"])
    except (KeyError, ValueError):
        return None


def query_id_of(request: Request) -> int:
    text = request.path_params["query_id"]
    try:
        return int(text)
    except ValueError:
        raise DuneApiError(400, f"query id must be an integer, not {text!r}") from None


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object; an empty body is an empty object (dune-client sends none
    on cancel and archive)."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise DuneApiError(400, "Bad Request: the body is not JSON") from None
    if not isinstance(body, dict):
        raise DuneApiError(400, "Bad Request: the body must be a JSON object")
    return body
