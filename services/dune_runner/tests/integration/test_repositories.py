"""The repositories on a real PostgreSQL, through the use cases where they matter: a run
and its jobs come back as they were saved (history appended, never rewritten), pollers
on two transactions never take the same job, and "once" (ledger, alerts) is the
database's."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from walletreports.dune_runner.adapters.tables import outbox
from walletreports.dune_runner.adapters.unit_of_work import DuneRunnerUnitOfWork
from walletreports.dune_runner.domain import (
    AnalysisOutcome,
    BudgetPeriod,
    CreditBudget,
    ErrorType,
    ExecuteRequest,
    JobStatus,
    LedgerEntry,
    PollSchedule,
    ReportSpec,
    accepted_result,
)
from walletreports.dune_runner.service_layer import analysis, budget, executing
from walletreports.kit.messaging.unit_of_work import UnitsOfWork

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WALLET = "0x52908400098527886E0F7030069857D2E4169EE7"
REPORTS = (
    ReportSpec(name="defi_trades", query_id=101, output_file="defi_trades.csv"),
    ReportSpec(name="lp_events", query_id=102, output_file="lp_events.csv"),
    ReportSpec(name="transfers", query_id=103, output_file="transfers.csv"),
)
SCHEDULE = PollSchedule()


async def paid(units: UnitsOfWork[DuneRunnerUnitOfWork]) -> tuple[uuid.UUID, uuid.UUID]:
    order_id = uuid.uuid4()
    async with units() as uow:
        run = await analysis.start_for_paid_order(
            uow,
            order_id=order_id,
            user_id=uuid.uuid4(),
            product="wallet_report",
            wallet_address=WALLET,
            reports=REPORTS,
            now=NOW,
        )
    assert run is not None
    return order_id, run.id


async def test_a_run_and_its_jobs_come_back_as_saved(
    units: UnitsOfWork[DuneRunnerUnitOfWork],
) -> None:
    order_id, analysis_id = await paid(units)
    async with units() as uow:
        run = await uow.analyses.for_order(order_id)
        jobs = await uow.jobs.for_analysis(analysis_id)
        effects = await uow.session.execute(
            outbox.select().where(outbox.c.correlation_id == str(order_id))
        )
    assert run is not None and run.status.value == "running" and run.runs == 1
    assert [j.query_name for j in jobs] == ["defi_trades", "lp_events", "transfers"]
    assert {(j.status, j.attempt) for j in jobs} == {(JobStatus.SUBMITTING, 1)}
    assert [h.to_status for h in jobs[0].history] == [JobStatus.SUBMITTING]
    assert jobs[0].parameters == {"wallet_address": WALLET}
    assert len(effects.all()) == 1  # analysis.started

    # A refusal, then a staff retry: history and retry records appended in order.
    for job in jobs:
        async with units() as uow:
            await executing.execute_failed(
                uow,
                request=_request(job),
                status="failed",
                reason="refused: EffectRefused: [dune:service_outage] HTTP 500: boom",
                now=NOW + timedelta(seconds=1),
            )
    async with units() as uow:
        run = await uow.analyses.for_order(order_id)
        assert run is not None and run.status.value == "finished"
        failed = await uow.views.jobs(statuses=("failed_retryable",), order_id=order_id, limit=2)
        finished = await uow.views.analyses(status="finished", user_id=run.user_id)
    assert (len(failed.items), failed.total, failed.limit) == (2, 3, 2)
    assert {j.error_type for j in failed.items} == {ErrorType.SERVICE_OUTAGE}
    assert [(a.id, a.outcome) for a in finished.items] == [(analysis_id, AnalysisOutcome.FAILED)]
    # The run finished: a retry here is refused; re-open it as orders would.
    async with units() as uow:
        rerun = await analysis.order_status_changed(
            uow,
            order_id=order_id,
            from_status="failed",
            to_status="payment_received",
            reason="staff re-opened it",
            now=NOW + timedelta(seconds=2),
        )
    assert len(rerun) == 3
    async with units() as uow:
        jobs = await uow.jobs.for_analysis(analysis_id)
        view = await uow.views.analysis_of_order(order_id)
    job = jobs[1]
    assert (job.status, job.attempt, job.retry_count) == (JobStatus.SUBMITTING, 2, 1)
    assert [h.to_status for h in job.history] == [
        JobStatus.SUBMITTING,
        JobStatus.FAILED_RETRYABLE,
        JobStatus.WAITING,
        JobStatus.SUBMITTING,
    ]
    (record,) = job.retries
    assert (record.number, record.by, record.from_status) == (
        1,
        "orders:reopen",
        JobStatus.FAILED_RETRYABLE,
    )
    assert record.error_message == "HTTP 500: boom"
    assert view is not None and [j.id for j in view.jobs] == [j.id for j in jobs]
    assert view.analysis.runs == 2 and view.files == []


def _request(job: Any) -> ExecuteRequest:
    return ExecuteRequest(
        job_id=job.id,
        attempt=job.attempt,
        analysis_id=job.analysis_id,
        order_id=job.order_id,
        query_name=job.query_name,
        query_id=job.query_id,
        parameters=job.parameters,
    )


async def test_two_pollers_never_take_the_same_job(
    units: UnitsOfWork[DuneRunnerUnitOfWork],
) -> None:
    _, analysis_id = await paid(units)
    async with units() as uow:
        jobs = await uow.jobs.for_analysis(analysis_id)
    for job in jobs:
        async with units() as uow:
            await executing.execution_accepted(
                uow,
                request=_request(job),
                result=accepted_result(f"exec-{job.id}", "QUERY_STATE_PENDING"),
                now=NOW,
                schedule=SCHEDULE,
            )
    later = NOW + timedelta(hours=1)
    async with units() as first:
        mine = await first.jobs.due_for_poll(later, limit=2)
        async with units() as second:
            theirs = await second.jobs.due_for_poll(later, limit=10)
    assert len(mine) == 2
    assert {j.id for j in theirs}.isdisjoint({j.id for j in mine})
    assert {j.id for j in mine + theirs} >= {j.id for j in jobs}


async def test_the_ledger_and_alerts_count_once(
    units: UnitsOfWork[DuneRunnerUnitOfWork],
) -> None:
    order_id = uuid.uuid4()
    entry = LedgerEntry.of(
        execution_id=f"exec-{uuid.uuid4()}",
        job_id=uuid.uuid4(),
        order_id=order_id,
        query_name="transfers",
        credits=Decimal("12.5"),
        outcome="completed",
        now=NOW,
    )
    limits = CreditBudget(daily=Decimal("20"), thresholds=(50,))
    async with units() as uow:
        reached = await budget.record_execution_cost(uow, entry=entry, budget=limits, now=NOW)
        again = await budget.record_execution_cost(uow, entry=entry, budget=limits, now=NOW)
        used = await uow.ledger.used_between(NOW - timedelta(hours=1), NOW + timedelta(hours=1))
        announced = await uow.alerts.announced(BudgetPeriod.DAILY, reached[0].period_start)
    assert [r.threshold for r in reached] == [50] and again == []
    assert used >= Decimal("12.5") and 50 in announced


async def test_intake_is_one_row_and_a_staff_resume_flips_it_back(
    units: UnitsOfWork[DuneRunnerUnitOfWork],
) -> None:
    async with units() as uow:
        assert await budget.pause_by_staff(uow, staff_email="a@b.c", reason="audit", now=NOW)
    async with units() as uow:
        switch = await uow.intake.get(lock=True)
        assert (switch.paused, switch.reason, switch.changed_by) == (True, "audit", "staff:a@b.c")
        assert await budget.resume_by_staff(uow, staff_email="a@b.c", reason="done", now=NOW)
    async with units() as uow:
        assert not (await uow.intake.get()).paused
