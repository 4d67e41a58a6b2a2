"""Executions as Dune's JSON shows them: the status body, the envelope every results body
starts with, and result_metadata (for the whole result, or for one page of it)."""

from __future__ import annotations

from typing import Any

from . import states
from .executions import Execution
from .result_set import ResultSet
from .timestamps import dune_timestamp


def execution_envelope(execution: Execution) -> dict[str, Any]:
    """The fields the status and results bodies share; times only once they happened."""
    body: dict[str, Any] = {
        "execution_id": execution.execution_id,
        "query_id": execution.query_id,
        "is_execution_finished": execution.is_finished,
        "state": execution.state,
        "submitted_at": dune_timestamp(execution.submitted_at),
        "expires_at": dune_timestamp(execution.expires_at),
    }
    if execution.started_at is not None:
        body["execution_started_at"] = dune_timestamp(execution.started_at)
    if execution.ended_at is not None:
        body["execution_ended_at"] = dune_timestamp(execution.ended_at)
    if execution.cancelled_at is not None:
        body["cancelled_at"] = dune_timestamp(execution.cancelled_at)
    if execution.error is not None:
        body["error"] = execution.error.to_json(execution.execution_id)
    return body


def status_body(execution: Execution) -> dict[str, Any]:
    body = execution_envelope(execution)
    if execution.state == states.PENDING:
        body["queue_position"] = 1
    if execution.cost_credits is not None:
        body["execution_cost_credits"] = execution.cost_credits
    if execution.result is not None and execution.state in states.WITH_RESULTS:
        result = execution.result
        body["result_metadata"] = result_metadata(
            execution, result, result.column_names, 0, len(result.rows)
        )
    return body


def result_metadata(
    execution: Execution, result: ResultSet, columns: list[str], start: int, end: int
) -> dict[str, Any]:
    """row_count, result_set_bytes and datapoint_count describe rows [start, end) of the
    chosen columns; the totals describe the whole result."""
    types = dict(zip(result.column_names, result.column_types, strict=True))
    total_rows = len(result.rows)
    return {
        "column_names": list(columns),
        "column_types": [types[c] for c in columns],
        "row_count": end - start,
        "result_set_bytes": result.bytes_of(start, end),
        "total_row_count": total_rows,
        "total_result_set_bytes": result.bytes_of(0, total_rows),
        "datapoint_count": (end - start) * len(columns),
        "pending_time_millis": execution.timings.get("pending_time_millis", 0),
        "execution_time_millis": execution.timings.get("execution_time_millis", 0),
    }
