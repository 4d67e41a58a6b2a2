"""The emulator's own paths under /emulator (not Dune's, no API key): execute counts, the
scripted faults, queries with chosen ids, forcing an execution to expire, settings."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .dune_errors import DuneApiError
from .emulator import DuneEmulator
from .faults import fault_from_json
from .http_endpoints import json_body
from .json_response import json_response


def debug_routes(emulator: DuneEmulator) -> list[Route]:
    async def executes(request: Request) -> Response:
        if request.method == "DELETE":
            emulator.counts.reset()
        return json_response(emulator.counts.snapshot().to_json())

    async def faults(request: Request) -> Response:
        if request.method == "POST":
            try:
                raw = orjson.loads(await request.body())
            except orjson.JSONDecodeError:
                raise DuneApiError(400, "a fault is a JSON object, or a list of them") from None
            for item in raw if isinstance(raw, list) else [raw]:
                emulator.faults.add(fault_from_json(item))
        elif request.method == "DELETE":
            emulator.faults.clear()
        return json_response({"pending": emulator.faults.pending()})

    async def queries(request: Request) -> Response:
        body = await json_body(request)
        query = emulator.queries.create(
            name=str(body.get("name") or "emulator query"),
            query_sql=str(body.get("query_sql") or ""),
            parameters=body.get("parameters"),
            query_id=None if body.get("query_id") is None else int(body["query_id"]),
        )
        return json_response({"query_id": query.query_id})

    async def expire(request: Request) -> Response:
        emulator.expire(request.path_params["execution_id"])
        return json_response(
            {"state": emulator.execution(request.path_params["execution_id"]).state}
        )

    async def settings(request: Request) -> Response:
        if request.method == "PATCH":
            _apply_settings(emulator, await json_body(request))
        return json_response(_settings_json(emulator))

    async def reset(request: Request) -> Response:
        emulator.reset()
        return json_response({"reset": True})

    return [
        Route("/emulator/executes", _refusing(executes), methods=["GET", "DELETE"]),
        Route("/emulator/faults", _refusing(faults), methods=["GET", "POST", "DELETE"]),
        Route("/emulator/queries", _refusing(queries), methods=["POST"]),
        Route("/emulator/executions/{execution_id}/expire", _refusing(expire), methods=["POST"]),
        Route("/emulator/settings", _refusing(settings), methods=["GET", "PATCH"]),
        Route("/emulator/reset", _refusing(reset), methods=["POST"]),
    ]


def _refusing(
    handler: Callable[[Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except DuneApiError as err:
            return err.response()

    return endpoint


def _settings_json(emulator: DuneEmulator) -> dict[str, Any]:
    return {
        "latency_seconds": emulator.latency_seconds,
        "executes_per_minute": emulator.rate_limit.per_window,
        "rate_window_seconds": emulator.rate_limit.window_seconds,
        "max_page_rows": emulator.settings.max_page_rows,
    }


def _apply_settings(emulator: DuneEmulator, body: dict[str, Any]) -> None:
    if "latency_seconds" in body:
        emulator.latency_seconds = float(body["latency_seconds"])
    if "executes_per_minute" in body:
        limit = body["executes_per_minute"]
        emulator.rate_limit.per_window = None if limit is None else int(limit)
