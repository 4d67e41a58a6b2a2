"""Dune's execution endpoints: execute a saved query, execute raw SQL, read an execution's
status, cancel it."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from .dune_errors import DuneApiError
from .emulator import DuneEmulator
from .execution_views import status_body
from .http_endpoints import json_body, query_id_of
from .json_response import json_response


async def execute_query(request: Request, emulator: DuneEmulator) -> Response:
    emulator.admit_execute()
    body = await json_body(request)
    execution = emulator.execute_query(
        query_id_of(request), _query_parameters(request, body), _performance(request, body)
    )
    return json_response({"execution_id": execution.execution_id, "state": execution.state})


async def execute_sql(request: Request, emulator: DuneEmulator) -> Response:
    emulator.admit_execute()
    body = await json_body(request)
    sql = body.get("sql")
    if not isinstance(sql, str):
        raise DuneApiError(400, "Bad Request: sql is required")
    execution = emulator.execute_sql(sql, _performance(request, body))
    return json_response({"execution_id": execution.execution_id, "state": execution.state})


async def execution_status(request: Request, emulator: DuneEmulator) -> Response:
    execution = emulator.execution(request.path_params["execution_id"])
    return json_response(status_body(execution))


async def cancel_execution(request: Request, emulator: DuneEmulator) -> Response:
    return json_response({"success": emulator.cancel(request.path_params["execution_id"])})


def _performance(request: Request, body: dict[str, Any]) -> str:
    return str(body.get("performance") or request.query_params.get("performance") or "medium")


def _query_parameters(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    """From the JSON body (what dune-client sends), or, as Dune's OpenAPI also allows, a
    JSON object in the `query_parameters` query parameter."""
    given = body.get("query_parameters")
    if given is None and (text := request.query_params.get("query_parameters")):
        try:
            given = orjson.loads(text)
        except orjson.JSONDecodeError:
            raise DuneApiError(400, "query_parameters must be a JSON object") from None
    if given is None:
        return {}
    if not isinstance(given, dict):
        raise DuneApiError(400, "query_parameters must be a JSON object")
    return given
