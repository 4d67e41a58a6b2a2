"""Dune's results endpoints: an execution's result as JSON or CSV, page by page, and the
latest result of a saved query (`/query/{id}/results`, what dune-client's
get_latest_result and download_csv read; it costs no execution)."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import URL
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from . import states
from .csv_output import render_csv
from .dune_errors import DuneApiError
from .emulator import DuneEmulator
from .execution_views import execution_envelope, result_metadata
from .executions import Execution
from .http_endpoints import query_id_of
from .json_response import json_response
from .result_pages import Page, PageRequest, choose_page, next_page_url, page_request

NEXT_URI_HEADER = "x-dune-next-uri"
NEXT_OFFSET_HEADER = "x-dune-next-offset"
PARTIAL_REFUSED = "Partial Result, please request with 'allow_partial_results=true'"


async def execution_results(request: Request, emulator: DuneEmulator) -> Response:
    execution = emulator.execution(request.path_params["execution_id"])
    return _results_json(execution, request.url, page_request(request.query_params), emulator)


async def execution_results_csv(request: Request, emulator: DuneEmulator) -> Response:
    execution = emulator.execution(request.path_params["execution_id"])
    return _results_csv(execution, request.url, page_request(request.query_params), emulator)


async def query_results(request: Request, emulator: DuneEmulator) -> Response:
    execution, url = _latest(request, emulator, "results")
    return _results_json(execution, url, page_request(request.query_params), emulator)


async def query_results_csv(request: Request, emulator: DuneEmulator) -> Response:
    execution, url = _latest(request, emulator, "results/csv")
    return _results_csv(execution, url, page_request(request.query_params), emulator)


def _latest(request: Request, emulator: DuneEmulator, suffix: str) -> tuple[Execution, URL]:
    """The query's latest execution with a result, and the URL its next pages are at: the
    execution's own results, so paging stays on that result if a newer one lands."""
    wanted = {
        k.removeprefix("params."): v
        for k, v in request.query_params.items()
        if k.startswith("params.")
    }
    execution = emulator.latest_with_results(query_id_of(request), wanted)
    kept = [(k, v) for k, v in request.query_params.multi_items() if not k.startswith("params.")]
    path = f"/api/v1/execution/{execution.execution_id}/{suffix}"
    url = request.url.replace(path=path).replace_query_params(**dict(kept))
    return execution, url


def _page(execution: Execution, request: PageRequest, emulator: DuneEmulator) -> Page | None:
    """None when the execution has no result to page through (not finished, failed,
    cancelled, expired)."""
    if execution.result is None or execution.state not in states.WITH_RESULTS:
        return None
    if execution.state == states.COMPLETED_PARTIAL and not request.allow_partial_results:
        raise DuneApiError(400, PARTIAL_REFUSED)
    return choose_page(execution.result, request, emulator.settings.max_page_rows)


def _results_json(
    execution: Execution, url: URL, request: PageRequest, emulator: DuneEmulator
) -> Response:
    body = execution_envelope(execution)
    page = _page(execution, request, emulator)
    if page is None or execution.result is None:
        return json_response(body)
    result = execution.result
    rows: list[dict[str, Any]] = result.rows[page.start : page.end]
    if page.columns != result.column_names:
        rows = [{c: row[c] for c in page.columns} for row in rows]
    body["result"] = {
        "rows": rows,
        "metadata": result_metadata(execution, result, page.columns, page.start, page.end),
    }
    next_uri = next_page_url(url, page)
    if next_uri is not None:
        body["next_uri"] = next_uri
        body["next_offset"] = page.next_offset
    return json_response(body)


def _results_csv(
    execution: Execution, url: URL, request: PageRequest, emulator: DuneEmulator
) -> Response:
    page = _page(execution, request, emulator)
    if page is None or execution.result is None:
        raise DuneApiError(400, _no_result_reason(execution))
    headers = {}
    next_uri = next_page_url(url, page)
    if next_uri is not None:
        headers = {NEXT_URI_HEADER: next_uri, NEXT_OFFSET_HEADER: str(page.next_offset)}
    text = render_csv(execution.result, page.columns, page.start, page.end)
    return PlainTextResponse(text, headers=headers, media_type="text/csv")


def _no_result_reason(execution: Execution) -> str:
    if not execution.is_finished:
        return f"Execution {execution.execution_id} is not finished yet ({execution.state})"
    if execution.state == states.EXPIRED:
        return f"The result of execution {execution.execution_id} has expired"
    if execution.error is not None:
        return str(execution.error.to_json(execution.execution_id)["message"])
    return f"Execution {execution.execution_id} has no result ({execution.state})"
