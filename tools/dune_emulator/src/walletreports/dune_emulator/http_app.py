"""The Starlette app: Dune's endpoints under /api/v1 (the paths dune-client calls) and the
emulator's own under /emulator."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import execution_routes, query_routes, result_routes
from .debug_routes import debug_routes
from .dune_errors import error_response
from .emulator import DuneEmulator
from .http_endpoints import Handler, dune_endpoint

API = "/api/v1"
# (path, methods, endpoint name for faults, handler)
DUNE_ROUTES: list[tuple[str, list[str], str, Handler]] = [
    ("/query", ["POST"], "create_query", query_routes.create_query),
    ("/query/", ["POST"], "create_query", query_routes.create_query),
    ("/query/{query_id}", ["GET"], "read_query", query_routes.read_query),
    ("/query/{query_id}", ["PATCH"], "update_query", query_routes.update_query),
    # dune-client POSTs these; Dune's docs list them as PATCH.
    (
        "/query/{query_id}/archive",
        ["POST", "PATCH"],
        "archive_query",
        query_routes.flag_setter(archived=True),
    ),
    (
        "/query/{query_id}/unarchive",
        ["POST", "PATCH"],
        "unarchive_query",
        query_routes.flag_setter(archived=False),
    ),
    (
        "/query/{query_id}/private",
        ["POST", "PATCH"],
        "private_query",
        query_routes.flag_setter(private=True),
    ),
    (
        "/query/{query_id}/unprivate",
        ["POST", "PATCH"],
        "unprivate_query",
        query_routes.flag_setter(private=False),
    ),
    ("/query/{query_id}/execute", ["POST"], "execute", execution_routes.execute_query),
    ("/query/{query_id}/results", ["GET"], "query_results", result_routes.query_results),
    (
        "/query/{query_id}/results/csv",
        ["GET"],
        "query_results_csv",
        result_routes.query_results_csv,
    ),
    ("/sql/execute", ["POST"], "execute_sql", execution_routes.execute_sql),
    ("/execution/{execution_id}/status", ["GET"], "status", execution_routes.execution_status),
    ("/execution/{execution_id}/results", ["GET"], "results", result_routes.execution_results),
    (
        "/execution/{execution_id}/results/csv",
        ["GET"],
        "results_csv",
        result_routes.execution_results_csv,
    ),
    ("/execution/{execution_id}/cancel", ["POST"], "cancel", execution_routes.cancel_execution),
]


def build_app(emulator: DuneEmulator) -> Starlette:
    routes = []
    for path, methods, name, handler in DUNE_ROUTES:
        endpoint = dune_endpoint(name, handler, emulator)
        routes.append(Route(API + path, endpoint, methods=methods, name=f"{name}:{path}"))
    routes += debug_routes(emulator)
    routes.append(Route(API + "/{rest:path}", _unknown, methods=["GET", "POST", "PATCH", "DELETE"]))
    return Starlette(routes=routes)


async def _unknown(request: Request) -> Response:
    return error_response(404)
