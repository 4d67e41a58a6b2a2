"""The dune.execute performer's use cases: the check before sending, on_done, on_failed.
An execute happens at most once per attempt; nothing here ever requests another."""

from __future__ import annotations

import pytest

from walletreports.contracts.dune_runner import (
    AnalysisFinished,
    IntakePaused,
    QueryFailed,
)
from walletreports.dune_runner.domain import (
    HOLD_REASON,
    ErrorType,
    HttpRefusal,
    Intake,
    JobChange,
    JobStatus,
    NoAnswer,
    Stale,
    obsolete_reason,
)
from walletreports.dune_runner.service_layer import analysis, executing, staff

from .fakes import FakeDune, FakeStore, FakeUnitOfWork
from .given import (
    NAMES,
    ORDER_ID,
    SCHEDULE,
    STAFF,
    accepted,
    effect_failed,
    execute_of,
    execution_id,
    later,
    order_paid,
    poll,
    refused,
)

J = JobStatus


async def paid() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    await order_paid(uow)
    return uow


async def test_on_done_records_the_execution_id_and_schedules_the_first_poll() -> None:
    uow = await paid()
    change = await accepted(uow, "transfers", now=later(3))
    assert isinstance(change, JobChange)
    job = uow.jobs.named("transfers")
    assert (job.status, job.execution_id) == (J.EXECUTING, execution_id("transfers"))
    assert job.accepted_at == later(3) and job.next_poll_at == later(5)
    assert job.deadline_at == later(3 + 600)


@pytest.mark.parametrize(
    ("status", "error_type"),
    [
        (400, ErrorType.QUERY_ERROR),
        (401, ErrorType.AUTH_ERROR),
        (403, ErrorType.AUTH_ERROR),
        (404, ErrorType.INVALID_QUERY_ID),
    ],
)
async def test_a_refused_execute_fails_needs_review_with_its_type_and_is_not_retried(
    status: int, error_type: ErrorType
) -> None:
    uow = await paid()
    effects_before = dict(uow.effects.rows)
    await refused(uow, "lp_events", HttpRefusal(status, "Dune says no"))
    job = uow.jobs.named("lp_events")
    assert (job.status, job.error_type, job.retry_count) == (J.FAILED_NEEDS_REVIEW, error_type, 0)
    (failed,) = uow.emitted(QueryFailed)
    assert (failed.query_name, failed.error_type, failed.retryable_by_staff) == (
        "lp_events",
        error_type.value,
        False,
    )
    assert failed.error_message == f"HTTP {status}: Dune says no"
    assert uow.effects.rows == effects_before  # no second execute, ever by itself


@pytest.mark.parametrize(
    ("problem", "error_type"),
    [
        (HttpRefusal(429, "Too many requests"), ErrorType.RATE_LIMIT),
        (HttpRefusal(503, "503 Service Temporarily Unavailable"), ErrorType.SERVICE_OUTAGE),
        (NoAnswer("connection", "connection refused"), ErrorType.NETWORK_ERROR),
    ],
)
async def test_a_retryable_refusal_fails_retryable_by_staff_only(
    problem: HttpRefusal | NoAnswer, error_type: ErrorType
) -> None:
    uow = await paid()
    effects_before = dict(uow.effects.rows)
    await refused(uow, "transfers", problem)
    job = uow.jobs.named("transfers")
    assert (job.status, job.error_type) == (J.FAILED_RETRYABLE, error_type)
    assert uow.emitted(QueryFailed)[0].retryable_by_staff
    assert uow.effects.rows == effects_before
    assert uow.intake.row.paused is False


async def test_a_402_fails_the_job_as_service_outage_and_pauses_intake() -> None:
    uow = await paid()
    await refused(uow, "transfers", HttpRefusal(402, "would exceed your configured limits"))
    job = uow.jobs.named("transfers")
    assert (job.status, job.error_type) == (J.FAILED_RETRYABLE, ErrorType.SERVICE_OUTAGE)
    assert uow.intake.row.paused and "402" in uow.intake.row.reason
    (paused,) = uow.emitted(IntakePaused)
    assert "lack of credits" in paused.reason
    # Another 402 does not pause again.
    await refused(uow, "lp_events", HttpRefusal(402, "again"))
    assert len(uow.emitted(IntakePaused)) == 1


async def test_an_execute_in_doubt_stays_in_doubt() -> None:
    uow = await paid()
    request = execute_of(uow, "defi_trades")
    change = await effect_failed(
        uow, request, "in_doubt", "outcome unknown: no answer within 30s", now=later(31)
    )
    assert isinstance(change, JobChange)
    job = uow.jobs.named("defi_trades")
    assert job.status is J.IN_DOUBT and job.execution_id is None
    assert uow.emitted(QueryFailed) == []
    effects = dict(uow.effects.rows)
    # The others finish; polling (past any deadline) leaves the in-doubt job alone.
    for name in ("lp_events", "transfers"):
        await refused(uow, name, HttpRefusal(400, "bad"))
    dune = FakeDune()
    report = await poll(uow, dune, FakeStore(), now=later(86_400))
    assert report.claimed == 0 and dune.status_calls == []
    assert uow.jobs.named("defi_trades").status is J.IN_DOUBT
    assert uow.effects.rows == effects
    assert uow.emitted(AnalysisFinished) == []  # the run waits for staff


async def test_a_late_outcome_of_the_same_attempt_resolves_the_doubt() -> None:
    uow = await paid()
    await effect_failed(uow, execute_of(uow, "transfers"), "in_doubt", "outcome unknown")
    await accepted(uow, "transfers", now=later(60))
    assert uow.jobs.named("transfers").status is J.EXECUTING


async def test_reconciled_without_an_execution_id_is_in_doubt() -> None:
    uow = await paid()
    async with uow:
        await executing.execution_accepted(
            uow,
            request=execute_of(uow, "transfers"),
            result=None,
            now=later(1),
            schedule=SCHEDULE,
        )
    assert uow.jobs.named("transfers").status is J.IN_DOUBT


async def test_an_outcome_for_an_old_attempt_changes_nothing() -> None:
    uow = await paid()
    old = execute_of(uow, "transfers")
    await refused(uow, "transfers", HttpRefusal(429, "slow down"))
    async with uow:
        await staff.retry_failed(
            uow, order_id=ORDER_ID, staff_email=STAFF, reason="go", now=later(9)
        )
    assert uow.jobs.named("transfers").attempt == 2
    late = await effect_failed(uow, old, "in_doubt", "the old attempt, very late")
    assert isinstance(late, Stale)
    assert uow.jobs.named("transfers").status is J.SUBMITTING


async def test_an_unmarked_failure_was_not_sent_and_is_a_retryable_network_error() -> None:
    uow = await paid()
    request = execute_of(uow, "transfers")
    await effect_failed(
        uow, request, "failed", "not performed: ConnectError (gave up after 1 attempts)"
    )
    job = uow.jobs.named("transfers")
    assert (job.status, job.error_type) == (J.FAILED_RETRYABLE, ErrorType.NETWORK_ERROR)


async def test_the_performer_checks_the_attempt_is_wanted_and_intake_is_open() -> None:
    uow = await paid()
    request = execute_of(uow, "transfers")
    async with uow:
        assert await executing.check_execute(uow, request=request) is executing.ExecuteCheck.GO
    uow.intake.row = Intake(paused=True, reason="budget")
    async with uow:
        assert await executing.check_execute(uow, request=request) is executing.ExecuteCheck.HOLD
    async with uow:
        await staff.give_up(uow, order_id=ORDER_ID, staff_email=STAFF, reason="stop", now=later(1))
    async with uow:
        check = await executing.check_execute(uow, request=request)
    assert check is executing.ExecuteCheck.OBSOLETE


async def test_a_held_execute_waits_and_goes_out_again_as_a_new_attempt_on_resume() -> None:
    uow = await paid()
    request = execute_of(uow, "transfers")
    await effect_failed(uow, request, "failed", f"refused: EffectRefused: {HOLD_REASON}")
    job = uow.jobs.named("transfers")
    assert job.status is J.WAITING and job.retry_count == 0
    async with uow:
        assert await analysis.release_waiting(uow, now=later(5)) == 1
    again = execute_of(uow, "transfers")
    assert again.attempt == 2 and again.key != request.key
    assert uow.jobs.named("transfers").status is J.SUBMITTING


async def test_an_obsolete_execute_that_was_not_sent_changes_nothing() -> None:
    uow = await paid()
    request = execute_of(uow, "transfers")
    result = await effect_failed(uow, request, "failed", obsolete_reason("job abandoned"))
    assert isinstance(result, Stale)
    assert uow.jobs.named("transfers").status is J.SUBMITTING


async def test_when_every_execute_is_refused_the_analysis_finishes_failed() -> None:
    uow = await paid()
    for name in NAMES:
        await refused(uow, name, HttpRefusal(401, "invalid API Key"))
    (finished,) = uow.emitted(AnalysisFinished)
    assert finished.outcome == "failed" and finished.failed_queries == NAMES
    assert finished.reports == []
