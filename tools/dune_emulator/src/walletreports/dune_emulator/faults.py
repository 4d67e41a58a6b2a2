"""Scripted faults: what the next N requests to an endpoint, or the next N executions,
should suffer instead of the happy path. Tests add them through the Python API or
`POST /emulator/faults`; each is used up as it fires.

- status: answer Dune's error (401/402/403/404/429/500, or a gateway 502/503/504) instead
  of handling the request (429 and 503 carry Retry-After).
- hang: handle the request, then hold the response for `seconds`, longer than the client's
  timeout: the work is done (an execute did start a paid execution) but the answer is lost.
- execution outcomes (the next N executions, optionally of one query id only):
  failed (a syntax error, as Dune reports it), slow (takes `seconds`), expired (completes,
  then its result is gone: QUERY_STATE_EXPIRED), partial (QUERY_STATE_COMPLETED_PARTIAL,
  rows capped at `max_rows`), cancelled (ends cancelled with `state_name`, either
  QUERY_STATE_CANCELLED or the documented QUERY_STATE_CANCELED).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from . import states
from .dune_errors import SUPPORTED_FAULT_STATUSES, DuneApiError

# The endpoint names faults are aimed at; "*" matches every Dune endpoint.
ENDPOINTS = frozenset(
    {
        "create_query",
        "read_query",
        "update_query",
        "archive_query",
        "unarchive_query",
        "private_query",
        "unprivate_query",
        "execute",
        "execute_sql",
        "status",
        "results",
        "results_csv",
        "cancel",
        "query_results",
        "query_results_csv",
        "*",
    }
)
OUTCOMES = frozenset({"failed", "slow", "expired", "partial", "cancelled"})
RETRY_AFTER_STATUSES = frozenset({429, 503})
DEFAULT_SYNTAX_ERROR = (
    "mismatched input 'selec'. Expecting: 'ALTER', 'ANALYZE', 'CALL', 'COMMENT', 'COMMIT', "
    "'CREATE', 'DEALLOCATE', 'DELETE', 'DESCRIBE', 'DROP', 'EXECUTE', 'EXPLAIN', 'GRANT', "
    "'INSERT', 'MERGE', 'PREPARE', 'SELECT', 'SET', 'SHOW', 'START', 'UPDATE', 'USE', <query>"
)


@dataclass(slots=True)
class StatusFault:
    endpoint: str
    status: int
    times: int = 1
    retry_after: int | None = None
    message: str | None = None  # None: Dune's usual text for the status
    kind: str = "status"


@dataclass(slots=True)
class HangFault:
    endpoint: str
    seconds: float
    times: int = 1
    kind: str = "hang"


@dataclass(slots=True)
class ExecutionFault:
    outcome: str
    times: int = 1
    query_id: int | None = None  # None: any execution
    seconds: float = 0.0  # slow
    max_rows: int = 0  # partial
    message: str = DEFAULT_SYNTAX_ERROR  # failed
    state_name: str = states.CANCELLED  # cancelled
    kind: str = "execution"


Fault = StatusFault | HangFault | ExecutionFault


class FaultPlan:
    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        _validate(fault)
        self._faults.append(fault)

    def take_status(self, endpoint: str) -> StatusFault | None:
        fault = self._first(StatusFault, lambda f: f.endpoint in (endpoint, "*"))
        return fault if isinstance(fault, StatusFault) else None

    def take_hang(self, endpoint: str) -> HangFault | None:
        fault = self._first(HangFault, lambda f: f.endpoint in (endpoint, "*"))
        return fault if isinstance(fault, HangFault) else None

    def take_execution(self, query_id: int | None) -> ExecutionFault | None:
        fault = self._first(ExecutionFault, lambda f: f.query_id in (None, query_id))
        return fault if isinstance(fault, ExecutionFault) else None

    def pending(self) -> list[dict[str, Any]]:
        return [asdict(f) for f in self._faults]

    def clear(self) -> None:
        self._faults.clear()

    def _first(self, kind: type, matches: Callable[[Any], bool]) -> Fault | None:
        for fault in self._faults:
            if isinstance(fault, kind) and matches(fault):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None


def fault_from_json(body: Any) -> Fault:
    """The body of `POST /emulator/faults`: one fault's fields plus `kind` (status, hang,
    execution)."""
    if not isinstance(body, dict):
        raise DuneApiError(400, "a fault is a JSON object")
    fields = dict(body)
    kind = fields.pop("kind", None)
    types: dict[str, type] = {"status": StatusFault, "hang": HangFault, "execution": ExecutionFault}
    if kind not in types:
        raise DuneApiError(400, f"fault kind must be one of {sorted(types)}, not {kind!r}")
    try:
        fault: Fault = types[kind](**fields)
    except TypeError as err:
        raise DuneApiError(400, f"bad {kind} fault: {err}") from err
    _validate(fault)
    return fault


def _validate(fault: Fault) -> None:
    if fault.times < 1:
        raise DuneApiError(400, "times must be at least 1")
    if isinstance(fault, ExecutionFault):
        _validate_outcome(fault)
        return
    if fault.endpoint not in ENDPOINTS:
        raise DuneApiError(400, f"unknown endpoint {fault.endpoint!r}; one of {sorted(ENDPOINTS)}")
    if isinstance(fault, StatusFault):
        if fault.status not in SUPPORTED_FAULT_STATUSES:
            raise DuneApiError(400, f"status must be one of {sorted(SUPPORTED_FAULT_STATUSES)}")
        if fault.retry_after is None and fault.status in RETRY_AFTER_STATUSES:
            # Retry-After takes whole seconds; 1 keeps a retrying client's wait short.
            fault.retry_after = 1


def _validate_outcome(fault: ExecutionFault) -> None:
    if fault.outcome not in OUTCOMES:
        raise DuneApiError(400, f"outcome must be one of {sorted(OUTCOMES)}")
    if fault.outcome == "cancelled" and fault.state_name not in states.CANCELLED_SPELLINGS:
        spellings = sorted(states.CANCELLED_SPELLINGS)
        raise DuneApiError(400, f"state_name must be one of {spellings}")
