"""Polling an execution: Dune's execution states, what a status answer means for the job,
and when to ask next.

The schedule is pure: the n-th poll of an execution comes `first_interval * factor**n`
after the previous one, at most `max_interval`, and never after the job's deadline (the
last poll is at the deadline, so an execution that finished just in time still counts).
An execution with no result by its deadline ends the job (network_error, retryable by
staff). Polling is a GET: it may be repeated freely; it is the execute that costs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from .errors import FailedExecution, Failure, failure

__all__ = [
    "DuneState",
    "ExecutionEnded",
    "ExecutionStatus",
    "PollSchedule",
    "ResultsReady",
    "StillRunning",
    "parse_state",
    "read_status",
]


class DuneState(StrEnum):
    PENDING = "QUERY_STATE_PENDING"
    EXECUTING = "QUERY_STATE_EXECUTING"
    COMPLETED = "QUERY_STATE_COMPLETED"
    COMPLETED_PARTIAL = "QUERY_STATE_COMPLETED_PARTIAL"
    FAILED = "QUERY_STATE_FAILED"
    # Dune's API and dune-client spell it CANCELLED; its docs page spells it CANCELED.
    CANCELLED = "QUERY_STATE_CANCELLED"
    EXPIRED = "QUERY_STATE_EXPIRED"


_SPELLINGS = {state.value: state for state in DuneState} | {
    "QUERY_STATE_CANCELED": DuneState.CANCELLED
}


def parse_state(raw: str) -> DuneState | None:
    """Dune's state string; None for one this code does not know (treated as running,
    so the deadline, not a guess, ends it)."""
    return _SPELLINGS.get(raw.strip().upper())


@dataclass(frozen=True, slots=True)
class ExecutionStatus:
    """What GET /execution/{id}/status said, in the few fields the job needs. `state` is
    Dune's string as sent (dune-client's enum does not know QUERY_STATE_CANCELED)."""

    execution_id: str
    state: str
    error_type: str | None = None
    error_message: str | None = None
    # `execution_cost_credits` (a float on the wire: convert with Decimal(str(x))).
    cost_credits: Decimal | None = None
    # `result_metadata.total_row_count`, once there are results.
    row_count: int | None = None


@dataclass(frozen=True, slots=True)
class StillRunning:
    state: DuneState | None


@dataclass(frozen=True, slots=True)
class ResultsReady:
    # COMPLETED_PARTIAL: Dune cut the result (size limits); the user gets what there is.
    partial: bool
    row_count: int


@dataclass(frozen=True, slots=True)
class ExecutionEnded:
    failure: Failure


def read_status(status: ExecutionStatus) -> StillRunning | ResultsReady | ExecutionEnded:
    state = parse_state(status.state)
    if state in (DuneState.COMPLETED, DuneState.COMPLETED_PARTIAL):
        return ResultsReady(
            partial=state is DuneState.COMPLETED_PARTIAL, row_count=status.row_count or 0
        )
    if state in (DuneState.FAILED, DuneState.CANCELLED, DuneState.EXPIRED):
        problem = FailedExecution(
            state=status.state, error_type=status.error_type, message=status.error_message or ""
        )
        return ExecutionEnded(failure(problem))
    return StillRunning(state)


@dataclass(frozen=True, slots=True)
class PollSchedule:
    first_interval: timedelta = timedelta(seconds=2)
    factor: float = 2.0
    max_interval: timedelta = timedelta(seconds=60)
    # From Dune accepting the execution to giving up on its result.
    deadline: timedelta = timedelta(minutes=30)
    # How long a poll in flight holds the job (another poller leaves it alone meanwhile);
    # longer than a status call plus a result download takes.
    claim_for: timedelta = timedelta(minutes=5)

    def __post_init__(self) -> None:
        if self.first_interval <= timedelta(0) or self.max_interval < self.first_interval:
            raise ValueError("poll intervals must be positive, first <= max")
        if self.factor < 1:
            raise ValueError("the poll back-off factor must be at least 1")
        if self.deadline <= timedelta(0) or self.claim_for <= timedelta(0):
            raise ValueError("the poll deadline and claim must be positive")

    def interval(self, polls: int) -> timedelta:
        """The wait after the `polls`-th poll (0: before the first)."""
        # Compared in seconds (a float) before it becomes a timedelta, which would overflow;
        # the exponent is capped, the interval reached max_interval long before.
        seconds = self.first_interval.total_seconds() * self.factor ** min(max(polls, 0), 64)
        return min(
            timedelta(seconds=min(seconds, self.max_interval.total_seconds())), self.max_interval
        )

    def deadline_for(self, accepted_at: datetime) -> datetime:
        return accepted_at + self.deadline

    def next_poll_at(self, *, polls: int, now: datetime, deadline_at: datetime) -> datetime:
        return min(now + self.interval(polls), deadline_at)
