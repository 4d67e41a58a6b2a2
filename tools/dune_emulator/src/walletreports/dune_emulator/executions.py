"""One execution of a query and its life: PENDING, EXECUTING, then one terminal state
(COMPLETED, COMPLETED_PARTIAL, FAILED, CANCELLED / CANCELED, or EXPIRED once its result
is gone). Transitions out of a terminal state are ignored, so a cancel racing the SQL
thread cannot be undone by the SQL finishing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from . import states
from .costs import execution_cost_credits
from .execution_errors import ExecutionError
from .result_set import ResultSet


@dataclass(slots=True)
class Execution:
    execution_id: str
    query_id: int | None  # None for raw SQL (/sql/execute)
    sql: str  # the DuneSQL that runs: parameters already substituted
    parameters: dict[str, str]
    performance: str
    submitted_at: datetime
    expires_at: datetime
    state: str = states.PENDING
    started_at: datetime | None = None
    ended_at: datetime | None = None
    cancelled_at: datetime | None = None
    result: ResultSet | None = None
    error: ExecutionError | None = None
    cost_credits: int | None = None
    # Stamped when it ends, from the ends of its phases.
    timings: dict[str, int] = field(default_factory=dict)

    @property
    def is_finished(self) -> bool:
        return self.state in states.TERMINAL

    def start(self, now: datetime) -> None:
        if self.state == states.PENDING:
            self.state = states.EXECUTING
            self.started_at = now

    def complete(self, result: ResultSet, now: datetime, *, partial: bool = False) -> None:
        if self.is_finished:
            return
        self._end(now)
        self.state = states.COMPLETED_PARTIAL if partial else states.COMPLETED
        self.result = result
        self.cost_credits = execution_cost_credits(self.performance, len(result.rows))

    def fail(self, error: ExecutionError, now: datetime) -> None:
        if self.is_finished:
            return
        self._end(now)
        self.state = states.FAILED
        self.error = error
        self.cost_credits = 0

    def cancel(self, now: datetime, state_name: str = states.CANCELLED) -> bool:
        if self.is_finished:
            return False
        self.state = state_name
        self.cancelled_at = now
        self.cost_credits = 0
        return True

    def expire(self) -> None:
        """Its result is no longer available (Dune keeps results 90 days)."""
        self.state = states.EXPIRED
        self.result = None

    def _end(self, now: datetime) -> None:
        started = self.started_at or now
        self.started_at = started
        self.ended_at = now
        self.timings = {
            "pending_time_millis": _millis(started - self.submitted_at),
            "execution_time_millis": _millis(now - started),
        }


def _millis(span: timedelta) -> int:
    return max(0, int(span.total_seconds() * 1000))
