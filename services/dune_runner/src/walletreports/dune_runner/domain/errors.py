"""What went wrong with a Dune call, in the seed's six error types, and the domain's own
refusals with stable codes.

Classification (`classify`, `failure`) is a pure function of what a Dune call produced:

    HTTP 400                      query_error       (the request or its parameters are wrong)
    HTTP 401, 403                 auth_error        (the API key, or no permission on the query)
    HTTP 404                      invalid_query_id  (no such query)
    HTTP 402                      service_outage    and pauses intake (out of credits)
    HTTP 429                      rate_limit
    HTTP 5xx                      service_outage
    another HTTP 4xx              query_error       (conservative: a person looks at it)
    timeout / connection error    network_error
    FAILED execution              query_error (syntax, analysis, ...), unless its type or
                                  message says Dune ran out of time or capacity or failed
                                  inside (then service_outage)
    CANCELLED (both spellings), EXPIRED                 service_outage

The first three types are `failed_needs_review` (never retried by itself, a person reviews
the query or the key); the other three are `failed_retryable` (retryable, by staff only).
Nothing is ever retried automatically: a Dune execution costs credits.

For an execute (a paid POST), `execute_outcome_unknown` says which problems leave it
unknown whether Dune accepted the execution (no answer after sending, a gateway that
may have passed it on): those are never a refusal, the effect ends `in_doubt`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

# Re-exported: the domain's errors and the kinds they are, from one module.
from walletreports.kit.errors import Conflict as Conflict
from walletreports.kit.errors import DomainError as DomainError
from walletreports.kit.errors import InvalidInput as InvalidInput
from walletreports.kit.errors import NotFound as NotFound
from walletreports.kit.errors import Unavailable as Unavailable

__all__ = [
    "AnalysisFinishedAlready",
    "AnalysisNotFound",
    "Conflict",
    "DomainError",
    "DuneProblem",
    "ErrorClass",
    "ErrorType",
    "FailedExecution",
    "Failure",
    "HttpRefusal",
    "IllegalJobTransition",
    "InvalidInput",
    "InvalidReportFileName",
    "InvalidStaffAction",
    "InvalidWalletAddress",
    "JobAlreadyCompleted",
    "JobNotFound",
    "NoAnswer",
    "NotFound",
    "NothingToRetry",
    "Unavailable",
    "classify",
    "error_class",
    "execute_outcome_unknown",
    "failure",
    "pauses_intake",
]


class ErrorType(StrEnum):
    """Values match `walletreports.contracts.dune_runner.ErrorType`."""

    QUERY_ERROR = "query_error"
    AUTH_ERROR = "auth_error"
    INVALID_QUERY_ID = "invalid_query_id"
    NETWORK_ERROR = "network_error"
    RATE_LIMIT = "rate_limit"
    SERVICE_OUTAGE = "service_outage"


class ErrorClass(StrEnum):
    """What a failure means for the job: a person must review it, or staff may retry it."""

    NEEDS_REVIEW = "needs_review"
    RETRYABLE = "retryable"


_NEEDS_REVIEW = frozenset({ErrorType.QUERY_ERROR, ErrorType.AUTH_ERROR, ErrorType.INVALID_QUERY_ID})


def error_class(error_type: ErrorType) -> ErrorClass:
    return ErrorClass.NEEDS_REVIEW if error_type in _NEEDS_REVIEW else ErrorClass.RETRYABLE


# --- what a Dune call produced -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HttpRefusal:
    """Dune (or its load balancer) answered with an error status."""

    status: int
    message: str = ""


@dataclass(frozen=True, slots=True)
class NoAnswer:
    """No HTTP answer: `timeout` (sent, no answer in time) or `connection` (could not
    connect, or the connection broke)."""

    kind: Literal["timeout", "connection"]
    message: str = ""


@dataclass(frozen=True, slots=True)
class FailedExecution:
    """An execution Dune ended without results: its state (FAILED, CANCELLED / CANCELED,
    EXPIRED) and, for FAILED, the `error` object of its status (type and message)."""

    state: str
    error_type: str | None = None
    message: str = ""


DuneProblem = HttpRefusal | NoAnswer | FailedExecution

# Words in a FAILED execution's error that put the blame on Dune, not on the SQL.
_DUNES_SIDE = re.compile(
    r"timeout|timed out|time limit|resource|capacity|out of memory|internal|unavailable|"
    r"cluster|overloaded",
    re.IGNORECASE,
)


def classify(problem: DuneProblem) -> ErrorType:
    if isinstance(problem, HttpRefusal):
        return _classify_status(problem.status)
    if isinstance(problem, NoAnswer):
        return ErrorType.NETWORK_ERROR
    state = problem.state.upper()
    if state.endswith(("CANCELED", "CANCELLED", "EXPIRED")):
        return ErrorType.SERVICE_OUTAGE
    if _DUNES_SIDE.search(f"{problem.error_type or ''} {problem.message}"):
        return ErrorType.SERVICE_OUTAGE
    return ErrorType.QUERY_ERROR


def _classify_status(status: int) -> ErrorType:
    if status in (401, 403):
        return ErrorType.AUTH_ERROR
    if status == 404:
        return ErrorType.INVALID_QUERY_ID
    if status == 402 or status >= 500:
        return ErrorType.SERVICE_OUTAGE
    if status == 429:
        return ErrorType.RATE_LIMIT
    return ErrorType.QUERY_ERROR  # 400 and any other refusal of the request itself


def pauses_intake(problem: DuneProblem) -> bool:
    """402: the account is out of credits (or over its billing limits); nothing more may
    be sent to Dune until staff resume intake."""
    return isinstance(problem, HttpRefusal) and problem.status == 402


def execute_outcome_unknown(problem: DuneProblem) -> bool:
    """For an execute: did Dune perhaps accept it? A timeout after sending, or a gateway
    error (502, 504) that may come after the backend took the request. Those must end
    `in_doubt`, never as a refusal that staff would retry as if nothing had happened."""
    if isinstance(problem, NoAnswer):
        return problem.kind == "timeout"
    return isinstance(problem, HttpRefusal) and problem.status in (502, 504)


@dataclass(frozen=True, slots=True)
class Failure:
    """A classified failure, as a job records it."""

    error_type: ErrorType
    message: str
    pause_intake: bool = False

    @property
    def error_class(self) -> ErrorClass:
        return error_class(self.error_type)

    @property
    def retryable_by_staff(self) -> bool:
        return self.error_class is ErrorClass.RETRYABLE


def failure(problem: DuneProblem) -> Failure:
    return Failure(classify(problem), _describe(problem), pause_intake=pauses_intake(problem))


def _describe(problem: DuneProblem) -> str:
    if isinstance(problem, HttpRefusal):
        text = f"HTTP {problem.status}"
    elif isinstance(problem, NoAnswer):
        text = f"no answer ({problem.kind})"
    else:
        text = (
            problem.state
            if problem.error_type is None
            else f"{problem.state} ({problem.error_type})"
        )
    return f"{text}: {problem.message}" if problem.message else text


# --- refusals ------------------------------------------------------------------------


class AnalysisNotFound(NotFound):
    code = "analysis_not_found"

    def __init__(self, what: str) -> None:
        super().__init__(f"no analysis {what}")


class JobNotFound(NotFound):
    code = "query_job_not_found"

    def __init__(self, job_id: object) -> None:
        super().__init__(f"no query job {job_id}")


class IllegalJobTransition(Conflict):
    code = "illegal_job_transition"

    def __init__(self, job_id: object, status: str, action: str, why: str) -> None:
        super().__init__(f"query job {job_id} is {status}: cannot {action} ({why})", field="status")
        self.status = status


class JobAlreadyCompleted(Conflict):
    """Completed jobs are never re-run: their report exists and cost credits once."""

    code = "query_job_completed"

    def __init__(self, job_id: object) -> None:
        super().__init__(f"query job {job_id} completed; completed jobs are never re-run")


class NothingToRetry(Conflict):
    code = "nothing_to_retry"

    def __init__(self, order_id: object) -> None:
        super().__init__(f"the analysis of order {order_id} has no failed query job")


class AnalysisFinishedAlready(Conflict):
    """Retrying inside a finished analysis would finish it a second time, which orders
    refuses for a finished order: staff re-open the order, which re-runs its failed jobs."""

    code = "analysis_finished"

    def __init__(self, order_id: object, outcome: str, hint: str | None = None) -> None:
        hint = hint or (
            "re-open the order (orders: POST /admin/api/orders/{id}/reopen) to re-run its "
            "failed queries"
        )
        super().__init__(f"the analysis of order {order_id} finished ({outcome}); {hint}")
        self.outcome = outcome


class InvalidStaffAction(InvalidInput):
    code = "invalid_staff_action"


class InvalidReportFileName(InvalidInput):
    code = "invalid_report_file_name"

    def __init__(self, name: str, why: str) -> None:
        super().__init__(f"report file name {name!r} {why}", field="file_name")


class InvalidWalletAddress(InvalidInput):
    """Pre-flight: a wallet that is not an EVM address is never sent to a paid query."""

    code = "invalid_wallet_address"

    def __init__(self, address: str) -> None:
        super().__init__(
            f"{address!r} is not an EVM address (0x and 40 hex digits)", field="wallet_address"
        )
