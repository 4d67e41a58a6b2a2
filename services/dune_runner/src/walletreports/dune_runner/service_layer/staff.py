"""Staff actions on query jobs, each in the staff member's name and with a reason.

- `retry_job`: one failed (or in-doubt) job gets a new attempt: retry_count + 1, a retry
  record (who, when, why, what it had failed with), and exactly one new execute effect
  (intake paused: it waits instead, and is sent on resume). An in-doubt job is retried
  only this way, one by one: Dune may be running it, so staff accept it may run twice.
- `retry_failed`: every failed job of an order's run, the same way; in-doubt and
  completed jobs are left alone (completed jobs are never re-run).
- `attach_execution`: staff found an in-doubt execute on Dune: its execution is polled,
  nothing is executed again.
- `give_up`: the seed's "mark as permanent failure": the run's open jobs are abandoned
  and it finishes `failed` (`analysis.finished`: orders fails the order, payments
  refunds the payer).

Retries happen inside a run that is still open. A finished run belongs to a finished
order: staff re-open the order in orders, which re-runs the failed jobs here
(`analysis.order_status_changed`); retrying here would finish the run a second time,
which orders refuses for a finished order (AnalysisFinishedAlready says so).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from ..domain import (
    AnalysisFinishedAlready,
    AnalysisNotFound,
    AnalysisRun,
    JobChange,
    JobNotFound,
    NothingToRetry,
    PollSchedule,
    QueryJob,
    staff,
)
from . import messages
from .ports import DuneRunnerUnitOfWorkPort
from .runs import Run, locked_run, locked_run_for_order, save, send_waiting

__all__ = ["attach_execution", "give_up", "retry_failed", "retry_job"]

log = logging.getLogger("walletreports.dune_runner.staff")


async def retry_job(
    uow: DuneRunnerUnitOfWorkPort,
    *,
    job_id: uuid.UUID,
    staff_email: str,
    reason: str,
    now: datetime,
) -> QueryJob:
    by = staff(staff_email)
    run = await _run_of_job(uow, job_id)
    _require_open(run.analysis)
    job = run.job(job_id)
    job.retry(by=by, reason=reason, now=now)
    await _send_or_wait(uow, run, [job], now=now)
    log.warning("job %s (%s) retried by %s: %s", job.id, job.query_name, by, reason)
    return job


async def retry_failed(
    uow: DuneRunnerUnitOfWorkPort,
    *,
    order_id: uuid.UUID,
    staff_email: str,
    reason: str,
    now: datetime,
) -> list[QueryJob]:
    by = staff(staff_email)
    run = await locked_run_for_order(uow, order_id)
    if run is None:
        raise AnalysisNotFound(f"for order {order_id}")
    _require_open(run.analysis)
    failed = [job for job in run.jobs if job.is_failed]
    if not failed:
        raise NothingToRetry(order_id)
    for job in failed:
        job.retry(by=by, reason=reason, now=now)
    await _send_or_wait(uow, run, failed, now=now)
    log.warning("order %s: %d failed job(s) retried by %s: %s", order_id, len(failed), by, reason)
    return failed


async def attach_execution(
    uow: DuneRunnerUnitOfWorkPort,
    *,
    job_id: uuid.UUID,
    execution_id: str,
    staff_email: str,
    reason: str,
    now: datetime,
    schedule: PollSchedule,
) -> JobChange:
    by = staff(staff_email)
    run = await _run_of_job(uow, job_id)
    job = run.job(job_id)
    change = job.attach_execution(
        execution_id=execution_id, by=by, reason=reason, now=now, schedule=schedule
    )
    await uow.jobs.save(job)
    log.warning("job %s: execution %s attached by %s: %s", job.id, execution_id, by, reason)
    return change


async def give_up(
    uow: DuneRunnerUnitOfWorkPort,
    *,
    order_id: uuid.UUID,
    staff_email: str,
    reason: str,
    now: datetime,
) -> AnalysisRun:
    """The run ends failed; a run that already ended failed is left as it is."""
    by = staff(staff_email)
    run = await locked_run_for_order(uow, order_id)
    if run is None:
        raise AnalysisNotFound(f"for order {order_id}")
    finish = run.analysis.give_up(run.jobs, by=by, reason=reason, now=now)
    if finish is None:
        log.info("order %s: analysis already failed; give-up changes nothing", order_id)
        return run.analysis
    await save(uow, run, run.jobs)
    await uow.emit(
        messages.analysis_finished(finish, await uow.files.for_analysis(run.analysis.id))
    )
    log.warning("order %s: analysis given up by %s: %s", order_id, by, reason)
    return run.analysis


async def _run_of_job(uow: DuneRunnerUnitOfWorkPort, job_id: uuid.UUID) -> Run:
    found = await uow.jobs.get(job_id)
    if found is None:
        raise JobNotFound(job_id)
    return await locked_run(uow, found.analysis_id)


def _require_open(analysis: AnalysisRun) -> None:
    if not analysis.is_open:
        raise AnalysisFinishedAlready(analysis.order_id, str(analysis.outcome))


async def _send_or_wait(
    uow: DuneRunnerUnitOfWorkPort, run: Run, jobs: list[QueryJob], *, now: datetime
) -> None:
    if (await uow.intake.get()).paused:
        await save(uow, run, jobs)
        return
    await send_waiting(uow, run, now=now)
