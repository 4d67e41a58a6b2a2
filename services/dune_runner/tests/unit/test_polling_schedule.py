"""The poll schedule (pure back-off, capped, never past the deadline) and what a status
answer means for a job."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from walletreports.dune_runner.domain import (
    DuneState,
    ErrorType,
    ExecutionEnded,
    ExecutionStatus,
    PollSchedule,
    ResultsReady,
    StillRunning,
    parse_state,
    read_status,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SCHEDULE = PollSchedule(
    first_interval=timedelta(seconds=2), factor=2.0, max_interval=timedelta(seconds=30)
)


def test_polls_back_off_exponentially_up_to_the_maximum() -> None:
    waits = [SCHEDULE.interval(n).total_seconds() for n in range(7)]
    assert waits == [2, 4, 8, 16, 30, 30, 30]
    assert SCHEDULE.interval(10_000) == timedelta(seconds=30)


def test_the_next_poll_is_never_after_the_deadline() -> None:
    deadline = NOW + timedelta(seconds=5)
    assert SCHEDULE.next_poll_at(polls=0, now=NOW, deadline_at=deadline) == NOW + timedelta(
        seconds=2
    )
    assert SCHEDULE.next_poll_at(polls=3, now=NOW, deadline_at=deadline) == deadline


def test_the_deadline_counts_from_dune_accepting_the_execution() -> None:
    assert PollSchedule(deadline=timedelta(minutes=7)).deadline_for(NOW) == NOW + timedelta(
        minutes=7
    )


@pytest.mark.parametrize(
    "bad",
    [
        {"first_interval": timedelta(0)},
        {"first_interval": timedelta(seconds=10), "max_interval": timedelta(seconds=5)},
        {"factor": 0.5},
        {"deadline": timedelta(0)},
    ],
)
def test_a_senseless_schedule_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        PollSchedule(**bad)  # type: ignore[arg-type]


def test_both_cancelled_spellings_are_one_state() -> None:
    assert parse_state("QUERY_STATE_CANCELLED") is DuneState.CANCELLED
    assert parse_state("QUERY_STATE_CANCELED") is DuneState.CANCELLED
    assert parse_state("QUERY_STATE_SOMETHING_NEW") is None


def status(state: str, **fields: object) -> ExecutionStatus:
    return ExecutionStatus(execution_id="01E", state=state, **fields)  # type: ignore[arg-type]


def test_completed_and_completed_partial_have_results() -> None:
    assert read_status(status("QUERY_STATE_COMPLETED", row_count=7)) == ResultsReady(False, 7)
    assert read_status(status("QUERY_STATE_COMPLETED_PARTIAL", row_count=3)) == ResultsReady(
        True, 3
    )


@pytest.mark.parametrize(
    "state", ["QUERY_STATE_PENDING", "QUERY_STATE_EXECUTING", "QUERY_STATE_NEW"]
)
def test_pending_executing_and_unknown_states_are_still_running(state: str) -> None:
    assert isinstance(read_status(status(state)), StillRunning)


@pytest.mark.parametrize(
    ("state", "error_type"),
    [
        ("QUERY_STATE_FAILED", ErrorType.QUERY_ERROR),
        ("QUERY_STATE_CANCELLED", ErrorType.SERVICE_OUTAGE),
        ("QUERY_STATE_CANCELED", ErrorType.SERVICE_OUTAGE),
        ("QUERY_STATE_EXPIRED", ErrorType.SERVICE_OUTAGE),
    ],
)
def test_failed_cancelled_and_expired_end_the_execution(state: str, error_type: ErrorType) -> None:
    reading = read_status(
        status(state, error_message="line 1:1: mismatched input", cost_credits=Decimal("0.2"))
    )
    assert isinstance(reading, ExecutionEnded)
    assert reading.failure.error_type is error_type
