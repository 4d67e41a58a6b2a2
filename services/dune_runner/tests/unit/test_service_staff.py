"""Staff actions: retry one job, retry all failed of an order, attach an in-doubt
execution, give up (mark permanent failure); and orders re-opening an order."""

from __future__ import annotations

import uuid

import pytest

from walletreports.contracts.dune_runner import AnalysisFinished, AnalysisStarted
from walletreports.dune_runner.domain import (
    EXECUTE_EFFECT,
    AnalysisFinishedAlready,
    AnalysisNotFound,
    AnalysisOutcome,
    AnalysisStatus,
    ErrorType,
    HttpRefusal,
    IllegalJobTransition,
    Intake,
    InvalidStaffAction,
    JobAlreadyCompleted,
    JobNotFound,
    JobStatus,
    NothingToRetry,
)
from walletreports.dune_runner.service_layer import analysis, staff

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
    status,
)

J = JobStatus


async def one_of_each() -> FakeUnitOfWork:
    """defi_trades completed, lp_events refused (rate limit), transfers executing."""
    uow = FakeUnitOfWork()
    await order_paid(uow)
    await accepted(uow, "defi_trades")
    await accepted(uow, "transfers")
    await refused(uow, "lp_events", HttpRefusal(429, "Too many requests"))
    dune = FakeDune()
    dune.script(execution_id("defi_trades"), status("defi_trades", "QUERY_STATE_COMPLETED"))
    dune.script(execution_id("transfers"), status("transfers", "QUERY_STATE_EXECUTING"))
    await poll(uow, dune, FakeStore(), now=later(2))
    assert [j.status for j in uow.jobs.all()] == [J.COMPLETED, J.FAILED_RETRYABLE, J.EXECUTING]
    return uow


async def retry_one(uow: FakeUnitOfWork, name: str, reason: str = "limit reset") -> object:
    async with uow:
        return await staff.retry_job(
            uow, job_id=uow.jobs.named(name).id, staff_email=STAFF, reason=reason, now=later(60)
        )


async def test_staff_retry_increments_retry_count_and_requests_exactly_one_new_execute() -> None:
    uow = await one_of_each()
    before = set(uow.effects.rows)
    await retry_one(uow, "lp_events", "Dune says the limit reset")
    new = set(uow.effects.rows) - before
    job = uow.jobs.named("lp_events")
    assert new == {(EXECUTE_EFFECT, f"{job.id}:2")}
    assert (job.status, job.retry_count, job.attempt) == (J.SUBMITTING, 1, 2)
    (record,) = job.retries
    assert (record.by, record.at, record.reason) == (
        f"staff:{STAFF}",
        later(60),
        "Dune says the limit reset",
    )
    assert record.error_type is ErrorType.RATE_LIMIT


async def test_retrying_a_completed_job_is_refused_and_requests_nothing() -> None:
    uow = await one_of_each()
    before = dict(uow.effects.rows)
    with pytest.raises(JobAlreadyCompleted):
        await retry_one(uow, "defi_trades")
    assert uow.effects.rows == before and uow.jobs.named("defi_trades").retry_count == 0


async def test_retrying_a_job_that_is_still_executing_is_refused() -> None:
    uow = await one_of_each()
    with pytest.raises(IllegalJobTransition):
        await retry_one(uow, "transfers")


async def test_retry_all_failed_retries_only_the_failed_jobs() -> None:
    uow = FakeUnitOfWork()
    await order_paid(uow)
    await accepted(uow, "defi_trades")  # executing: left alone
    await refused(uow, "lp_events", HttpRefusal(404, "Object not found"))  # needs review
    await refused(uow, "transfers", HttpRefusal(503, "down"))  # retryable
    before = set(uow.effects.rows)
    async with uow:
        retried = await staff.retry_failed(
            uow, order_id=ORDER_ID, staff_email=STAFF, reason="query fixed, Dune up", now=later(9)
        )
    assert sorted(j.query_name for j in retried) == ["lp_events", "transfers"]
    new = set(uow.effects.rows) - before
    assert {key.rsplit(":", 1)[1] for _, key in new} == {"2"} and len(new) == 2
    assert uow.jobs.named("defi_trades").retry_count == 0
    assert uow.jobs.named("defi_trades").status is J.EXECUTING


async def test_retry_all_failed_leaves_in_doubt_jobs_to_a_single_retry() -> None:
    uow = FakeUnitOfWork()
    await order_paid(uow)
    await effect_failed(uow, execute_of(uow, "transfers"), "in_doubt", "no answer")
    with pytest.raises(NothingToRetry):
        async with uow:
            await staff.retry_failed(
                uow, order_id=ORDER_ID, staff_email=STAFF, reason="r", now=later(1)
            )
    await retry_one(uow, "transfers", "checked Dune: it never ran")
    job = uow.jobs.named("transfers")
    assert (job.status, job.attempt, job.retries[0].from_status) == (J.SUBMITTING, 2, J.IN_DOUBT)


async def test_staff_attach_the_execution_of_an_in_doubt_job_and_nothing_runs_again() -> None:
    uow = FakeUnitOfWork()
    await order_paid(uow)
    await effect_failed(uow, execute_of(uow, "transfers"), "in_doubt", "no answer")
    before = dict(uow.effects.rows)
    job_id = uow.jobs.named("transfers").id
    async with uow:
        await staff.attach_execution(
            uow,
            job_id=job_id,
            execution_id="01FOUND",
            staff_email=STAFF,
            reason="found it on Dune",
            now=later(30),
            schedule=SCHEDULE,
        )
    job = uow.jobs.stored(job_id)
    assert (job.status, job.execution_id) == (J.EXECUTING, "01FOUND")
    assert uow.effects.rows == before


async def test_retries_while_intake_is_paused_wait_and_go_out_on_resume() -> None:
    uow = await one_of_each()
    uow.intake.row = Intake(paused=True, reason="weekly budget")
    before = dict(uow.effects.rows)
    await retry_one(uow, "lp_events")
    job = uow.jobs.named("lp_events")
    assert (job.status, job.retry_count) == (J.WAITING, 1)
    assert uow.effects.rows == before
    uow.intake.row = Intake()
    async with uow:
        assert await analysis.release_waiting(uow, now=later(90)) == 1
    assert uow.jobs.named("lp_events").status is J.SUBMITTING
    assert len(uow.effects.rows) == len(before) + 1


async def test_mark_permanent_failure_ends_the_analysis_failed_for_a_refund() -> None:
    uow = await one_of_each()
    async with uow:
        run = await staff.give_up(
            uow, order_id=ORDER_ID, staff_email=STAFF, reason="wallet is a contract", now=later(99)
        )
    assert (run.status, run.outcome) == (AnalysisStatus.FINISHED, AnalysisOutcome.FAILED)
    assert run.given_up_by == f"staff:{STAFF}"
    (finished,) = uow.emitted(AnalysisFinished)
    assert finished.outcome == "failed"
    assert finished.failed_queries == ["lp_events", "transfers"]
    assert [r.query_name for r in finished.reports] == ["defi_trades"]
    assert [j.status for j in uow.jobs.all()] == [J.COMPLETED, J.FAILED_RETRYABLE, J.ABANDONED]
    # Again: nothing more (payments has refunded already).
    async with uow:
        await staff.give_up(uow, order_id=ORDER_ID, staff_email=STAFF, reason="x", now=later(100))
    assert len(uow.emitted(AnalysisFinished)) == 1
    # And nothing polls the abandoned job.
    dune = FakeDune()
    assert (await poll(uow, dune, FakeStore(), now=later(3600))).claimed == 0


async def test_a_completed_analysis_cannot_be_given_up() -> None:
    uow = FakeUnitOfWork()
    await order_paid(uow)
    dune = FakeDune()
    for name in NAMES:
        await accepted(uow, name)
        dune.script(execution_id(name), status(name, "QUERY_STATE_COMPLETED"))
    await poll(uow, dune, FakeStore(), now=later(2))
    with pytest.raises(AnalysisFinishedAlready):
        async with uow:
            await staff.give_up(uow, order_id=ORDER_ID, staff_email=STAFF, reason="x", now=later(3))


async def test_staff_retry_in_a_finished_analysis_points_to_reopening_the_order() -> None:
    uow = FakeUnitOfWork()
    await order_paid(uow)
    for name in NAMES:
        await refused(uow, name, HttpRefusal(503, "down"))
    with pytest.raises(AnalysisFinishedAlready) as refused_retry:
        await retry_one(uow, "transfers")
    assert refused_retry.value.code == "analysis_finished"
    assert "reopen" in refused_retry.value.message


async def test_reopening_the_order_re_runs_only_the_failed_jobs() -> None:
    uow = await one_of_each()
    dune = FakeDune()
    dune.script(
        execution_id("transfers"), status("transfers", "QUERY_STATE_FAILED", error_message="boom")
    )
    await poll(uow, dune, FakeStore(), now=later(6))
    (finished,) = uow.emitted(AnalysisFinished)
    assert finished.outcome == "partial"
    before = set(uow.effects.rows)
    async with uow:
        again = await analysis.order_status_changed(
            uow,
            order_id=ORDER_ID,
            from_status="partial_complete",
            to_status="payment_received",
            reason="Dune fixed the outage",
            now=later(3600),
        )
    assert sorted(j.query_name for j in again) == ["lp_events", "transfers"]
    new = set(uow.effects.rows) - before
    assert len(new) == 2
    assert uow.jobs.named("defi_trades").status is J.COMPLETED
    assert uow.jobs.named("defi_trades").retry_count == 0
    assert uow.jobs.named("lp_events").retries[0].by == "orders:reopen"
    run = uow.analyses.all()[0]
    assert (run.status, run.runs) == (AnalysisStatus.RUNNING, 2)
    assert uow.emitted(AnalysisStarted)[-1].queries == ["lp_events", "transfers"]


async def test_other_status_changes_of_the_order_are_ignored() -> None:
    uow = await one_of_each()
    before = (dict(uow.effects.rows), list(uow.events))
    async with uow:
        assert (
            await analysis.order_status_changed(
                uow,
                order_id=ORDER_ID,
                from_status="payment_received",
                to_status="processing",
                reason="",
                now=later(1),
            )
            == []
        )
        assert (
            await analysis.order_status_changed(
                uow,
                order_id=uuid.uuid4(),
                from_status="failed",
                to_status="payment_received",
                reason="",
                now=later(1),
            )
            == []
        )
        # Re-opened while the run is still open: nothing to do here.
        assert (
            await analysis.order_status_changed(
                uow,
                order_id=ORDER_ID,
                from_status="failed",
                to_status="payment_received",
                reason="",
                now=later(1),
            )
            == []
        )
    assert (dict(uow.effects.rows), list(uow.events)) == before


async def test_a_reopen_with_nothing_failed_announces_the_finish_again() -> None:
    uow = FakeUnitOfWork()
    await order_paid(uow)
    dune = FakeDune()
    for name in NAMES:
        await accepted(uow, name)
        dune.script(execution_id(name), status(name, "QUERY_STATE_COMPLETED"))
    await poll(uow, dune, FakeStore(), now=later(2))
    async with uow:
        await analysis.order_status_changed(
            uow,
            order_id=ORDER_ID,
            from_status="failed",
            to_status="payment_received",
            reason="?",
            now=later(9),
        )
    finished = uow.emitted(AnalysisFinished)
    assert [f.outcome for f in finished] == ["completed", "completed"]
    assert len(finished[1].reports) == len(NAMES)


async def test_a_reopen_while_intake_is_paused_waits_for_the_resume() -> None:
    uow = FakeUnitOfWork()
    await order_paid(uow)
    for name in NAMES:
        await refused(uow, name, HttpRefusal(503, "down"))
    uow.intake.row = Intake(paused=True, reason="budget")
    before = dict(uow.effects.rows)
    async with uow:
        again = await analysis.order_status_changed(
            uow,
            order_id=ORDER_ID,
            from_status="failed",
            to_status="payment_received",
            reason="r",
            now=later(9),
        )
    assert len(again) == 3 and uow.effects.rows == before
    assert uow.analyses.all()[0].status is AnalysisStatus.WAITING
    uow.intake.row = Intake()
    async with uow:
        assert await analysis.release_waiting(uow, now=later(10)) == 3
    assert uow.emitted(AnalysisStarted)[-1].queries == NAMES


async def test_staff_actions_need_an_email_a_reason_and_something_that_exists() -> None:
    uow = await one_of_each()
    with pytest.raises(InvalidStaffAction):
        async with uow:
            await staff.retry_job(
                uow, job_id=uow.jobs.named("lp_events").id, staff_email="", reason="r", now=later(1)
            )
    with pytest.raises(InvalidStaffAction):
        await retry_one(uow, "lp_events", reason=" ")
    with pytest.raises(JobNotFound):
        async with uow:
            await staff.retry_job(
                uow, job_id=uuid.uuid4(), staff_email=STAFF, reason="r", now=later(1)
            )
    with pytest.raises(AnalysisNotFound):
        async with uow:
            await staff.give_up(
                uow, order_id=uuid.uuid4(), staff_email=STAFF, reason="r", now=later(1)
            )
    assert uow.jobs.named("lp_events").retry_count == 0
