"""The query job's state machine, on the domain object alone."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from walletreports.dune_runner.domain import (
    ALLOWED_JOB_TRANSITIONS,
    TERMINAL_JOB_STATUSES,
    ErrorType,
    Failure,
    IllegalJobTransition,
    InvalidStaffAction,
    JobAlreadyCompleted,
    JobChange,
    JobStatus,
    PollSchedule,
    QueryJob,
    Stale,
    staff,
)

J = JobStatus
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SCHEDULE = PollSchedule(deadline=timedelta(minutes=10))
RATE_LIMITED = Failure(ErrorType.RATE_LIMIT, "HTTP 429")
SYNTAX = Failure(ErrorType.QUERY_ERROR, "mismatched input")


def a_job() -> QueryJob:
    return QueryJob(
        id=uuid.uuid4(),
        analysis_id=uuid.uuid4(),
        order_id=uuid.uuid4(),
        query_name="transfers",
        query_id=103,
        parameters={"wallet_address": "0xabc"},
        output_file="transfers.csv",
        position=0,
        created_at=NOW,
    )


def executing() -> QueryJob:
    job = a_job()
    request = job.submit(now=NOW)
    job.accept_execution(attempt=request.attempt, execution_id="01E", now=NOW, schedule=SCHEDULE)
    return job


def test_completed_is_final_and_nothing_leads_back_to_submitting_but_waiting() -> None:
    assert ALLOWED_JOB_TRANSITIONS[J.COMPLETED] == frozenset()
    sources = {s for s, targets in ALLOWED_JOB_TRANSITIONS.items() if J.SUBMITTING in targets}
    assert sources == {J.WAITING}
    assert {
        J.COMPLETED,
        J.FAILED_NEEDS_REVIEW,
        J.FAILED_RETRYABLE,
        J.ABANDONED,
    } == TERMINAL_JOB_STATUSES
    assert J.IN_DOUBT not in TERMINAL_JOB_STATUSES


def test_each_submit_is_a_new_attempt_with_its_own_key() -> None:
    job = a_job()
    first = job.submit(now=NOW)
    assert (job.status, first.attempt, first.key) == (J.SUBMITTING, 1, f"{job.id}:1")
    job.refuse_execution(attempt=1, failure=RATE_LIMITED, now=NOW)
    job.retry(by=staff("ada@example.com"), reason="rate limit over", now=NOW)
    second = job.submit(now=NOW)
    assert second.attempt == 2 and second.key != first.key


def test_a_job_cannot_be_submitted_twice_for_one_attempt() -> None:
    job = a_job()
    job.submit(now=NOW)
    with pytest.raises(IllegalJobTransition):
        job.submit(now=NOW)


def test_accepting_an_execution_starts_polling_with_a_deadline() -> None:
    job = executing()
    assert job.status is J.EXECUTING and job.execution_id == "01E"
    assert job.deadline_at == NOW + timedelta(minutes=10)
    assert job.next_poll_at == NOW + SCHEDULE.interval(0)


def test_callbacks_about_an_older_attempt_are_stale() -> None:
    job = executing()
    late = job.accept_execution(attempt=0, execution_id="01OLD", now=NOW, schedule=SCHEDULE)
    assert isinstance(late, Stale)
    assert isinstance(job.refuse_execution(attempt=1, failure=SYNTAX, now=NOW), Stale)
    assert job.status is J.EXECUTING and job.execution_id == "01E"


def test_a_refusal_fails_by_its_error_class() -> None:
    review, retry = a_job(), a_job()
    review.submit(now=NOW)
    retry.submit(now=NOW)
    review.refuse_execution(attempt=1, failure=SYNTAX, now=NOW)
    retry.refuse_execution(attempt=1, failure=RATE_LIMITED, now=NOW)
    assert review.status is J.FAILED_NEEDS_REVIEW and review.error_type is ErrorType.QUERY_ERROR
    assert retry.status is J.FAILED_RETRYABLE and retry.retryable_by_staff


def test_in_doubt_is_not_polled_nor_ended_by_the_deadline() -> None:
    job = a_job()
    job.submit(now=NOW)
    change = job.mark_in_doubt(attempt=1, reason="no answer within 30s", now=NOW)
    assert isinstance(change, JobChange) and job.status is J.IN_DOUBT
    with pytest.raises(IllegalJobTransition):
        job.still_running(now=NOW + timedelta(days=1), schedule=SCHEDULE, state="?")
    assert job.status is J.IN_DOUBT


def test_a_late_outcome_of_the_same_attempt_resolves_in_doubt() -> None:
    job = a_job()
    job.submit(now=NOW)
    job.mark_in_doubt(attempt=1, reason="timeout", now=NOW)
    job.accept_execution(attempt=1, execution_id="01LATE", now=NOW, schedule=SCHEDULE)
    assert job.status is J.EXECUTING and job.execution_id == "01LATE"


def test_past_the_deadline_a_running_execution_fails_retryable_as_network_error() -> None:
    job = executing()
    assert job.still_running(now=NOW + timedelta(minutes=9), schedule=SCHEDULE, state="X") is None
    change = job.still_running(now=NOW + timedelta(minutes=10), schedule=SCHEDULE, state="X")
    assert isinstance(change, JobChange)
    assert job.status is J.FAILED_RETRYABLE and job.error_type is ErrorType.NETWORK_ERROR


def test_staff_retry_counts_and_records_who_when_why_and_the_old_error() -> None:
    job = a_job()
    job.submit(now=NOW)
    job.refuse_execution(attempt=1, failure=RATE_LIMITED, now=NOW)
    later = NOW + timedelta(hours=1)
    job.retry(by=staff("ada@example.com"), reason="Dune says the limit reset", now=later)
    assert job.status is J.WAITING and job.retry_count == 1
    (record,) = job.retries
    assert (record.number, record.at, record.by, record.reason) == (
        1,
        later,
        "staff:ada@example.com",
        "Dune says the limit reset",
    )
    assert (record.from_status, record.error_type) == (J.FAILED_RETRYABLE, ErrorType.RATE_LIMIT)
    assert job.error_type is None  # the new attempt starts clean


def test_a_completed_job_is_never_retried() -> None:
    job = executing()
    job.complete(row_count=3, partial=False, now=NOW)
    with pytest.raises(JobAlreadyCompleted) as refused:
        job.retry(by="staff:a@b.c", reason="again", now=NOW)
    assert refused.value.code == "query_job_completed"
    assert job.retry_count == 0


@pytest.mark.parametrize("status", [J.WAITING, J.SUBMITTING, J.EXECUTING])
def test_only_failed_in_doubt_or_abandoned_jobs_are_retried(status: JobStatus) -> None:
    job = a_job()
    job.status = status
    with pytest.raises(IllegalJobTransition):
        job.retry(by="staff:a@b.c", reason="again", now=NOW)


def test_staff_actions_need_an_email_and_a_reason() -> None:
    with pytest.raises(InvalidStaffAction):
        staff(" ")
    job = a_job()
    job.submit(now=NOW)
    job.refuse_execution(attempt=1, failure=RATE_LIMITED, now=NOW)
    with pytest.raises(InvalidStaffAction):
        job.retry(by="staff:a@b.c", reason="  ", now=NOW)
    assert job.retry_count == 0 and job.status is J.FAILED_RETRYABLE


def test_abandon_stops_open_jobs_and_leaves_finished_ones() -> None:
    done = executing()
    done.complete(row_count=1, partial=False, now=NOW)
    assert done.abandon(by="staff:a@b.c", reason="give up", now=NOW) is None
    running = executing()
    assert running.abandon(by="staff:a@b.c", reason="give up", now=NOW) is not None
    assert running.status is J.ABANDONED and running.next_poll_at is None


def test_every_change_is_in_the_history() -> None:
    job = executing()
    job.complete(row_count=1, partial=True, now=NOW)
    assert [(c.from_status, c.to_status) for c in job.history] == [
        (J.WAITING, J.SUBMITTING),
        (J.SUBMITTING, J.EXECUTING),
        (J.EXECUTING, J.COMPLETED),
    ]
    assert job.partial
