"""Polling executions until they end, storing their results, finishing the run.

`poll_executing` is one pass (a background task calls it every few seconds, on any
number of replicas):

1. One short transaction claims the jobs due (executing, next_poll_at <= now; others'
   locked rows skipped) by moving their next poll past the claim time, so no other
   poller takes them while this one is out on the network.
2. Outside any transaction, per job: the execution's status from Dune (a GET, which the
   port may retry); once it has results, the CSV streamed into storage at
   `reports/{user_id}/{order_id}/{output_file}` (size and sha256 while writing).
3. One transaction per job records what it saw, if the job is still executing that
   execution (else it moved on meanwhile: nothing is written):
   - results stored: a report file, the job completed (partial when Dune cut the
     result), `query.completed`, the execution's ledger entry;
   - FAILED / CANCELLED (either spelling) / EXPIRED: the job failed with its classified
     error, `query.failed`, the ledger entry;
   - still running, or the GET failed: the next poll is scheduled (back-off), unless the
     job's deadline has passed: then it fails as network_error (retryable by staff),
     `query.failed`, a ledger entry of unknown cost. A 402 on a GET pauses intake.
   Then, if every job of the run is terminal, `analysis.finished`.

Nothing here executes anything: a failed or timed-out job waits for staff.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from ..domain import (
    SYSTEM,
    CreditBudget,
    ExecutionEnded,
    Failure,
    JobChange,
    LedgerEntry,
    PollSchedule,
    QueryJob,
    ReportFile,
    ResultsReady,
    StillRunning,
    failure,
    read_status,
    report_path,
)
from . import messages
from .budget import pause_intake, record_execution_cost
from .ports import (
    DuneCallFailed,
    DuneQueriesPort,
    DuneRunnerUnitOfWorkPort,
    ResultStorePort,
    StoredFile,
    UnitsPort,
)
from .runs import finish_if_done, locked_run

__all__ = ["PollReport", "poll_executing"]

log = logging.getLogger("walletreports.dune_runner.polling")


@dataclass
class PollReport:
    """What one pass did, for logs and tests."""

    claimed: int = 0
    still_running: int = 0
    completed: int = 0
    failed: int = 0
    timed_out: int = 0
    poll_errors: int = 0
    stale: int = 0
    errors: int = 0

    def count(self, field: str) -> None:
        setattr(self, field, getattr(self, field) + 1)


@dataclass(frozen=True, slots=True)
class _Claimed:
    job_id: uuid.UUID
    analysis_id: uuid.UUID
    user_id: uuid.UUID
    execution_id: str
    path: str


@dataclass(frozen=True, slots=True)
class _Running:
    state: str


@dataclass(frozen=True, slots=True)
class _Stored:
    ready: ResultsReady
    stored: StoredFile
    cost: Decimal | None


@dataclass(frozen=True, slots=True)
class _Ended:
    ended: ExecutionEnded
    cost: Decimal | None


@dataclass(frozen=True, slots=True)
class _CallFailed:
    failure: Failure


_Observation = _Running | _Stored | _Ended | _CallFailed


async def poll_executing(
    units: UnitsPort,
    *,
    dune: DuneQueriesPort,
    store: ResultStorePort,
    now: datetime,
    schedule: PollSchedule,
    budget: CreditBudget,
    limit: int = 20,
) -> PollReport:
    report = PollReport()
    async with units() as uow:
        claimed = await _claim(uow, now=now, schedule=schedule, limit=limit)
    report.claimed = len(claimed)
    for job in claimed:
        try:
            observation = await _observe(job, dune, store)
            async with units() as uow:
                outcome = await _record(
                    uow, job, observation, now=now, schedule=schedule, budget=budget
                )
        except Exception:  # one job's trouble (storage, the database) must not stop the
            # others: its claim runs out and it is polled again
            log.exception("poll of job %s (execution %s) failed", job.job_id, job.execution_id)
            report.errors += 1
            continue
        report.count(outcome)
    return report


async def _claim(
    uow: DuneRunnerUnitOfWorkPort, *, now: datetime, schedule: PollSchedule, limit: int
) -> list[_Claimed]:
    claimed = []
    for job in await uow.jobs.due_for_poll(now, limit=limit):
        analysis = await uow.analyses.get(job.analysis_id)
        if analysis is None or job.execution_id is None:  # cannot be; do not spin on it
            log.error("job %s is executing without its analysis or execution id", job.id)
            continue
        job.claim_poll(now=now, schedule=schedule)
        await uow.jobs.save(job)
        claimed.append(
            _Claimed(
                job_id=job.id,
                analysis_id=job.analysis_id,
                user_id=analysis.user_id,
                execution_id=job.execution_id,
                path=report_path(analysis.user_id, job.order_id, job.output_file),
            )
        )
    return claimed


async def _observe(job: _Claimed, dune: DuneQueriesPort, store: ResultStorePort) -> _Observation:
    try:
        status = await dune.status(job.execution_id)
    except DuneCallFailed as error:
        return _CallFailed(failure(error.problem))
    reading = read_status(status)
    if isinstance(reading, StillRunning):
        return _Running(status.state)
    if isinstance(reading, ExecutionEnded):
        return _Ended(reading, status.cost_credits)
    try:
        stored = await store.write(job.path, dune.results_csv(job.execution_id))
    except DuneCallFailed as error:
        return _CallFailed(failure(error.problem))
    return _Stored(reading, stored, status.cost_credits)


async def _record(
    uow: DuneRunnerUnitOfWorkPort,
    claimed: _Claimed,
    observation: _Observation,
    *,
    now: datetime,
    schedule: PollSchedule,
    budget: CreditBudget,
) -> str:
    """Apply what the poll saw; returns the PollReport field it counts in."""
    run = await locked_run(uow, claimed.analysis_id)
    job = run.job(claimed.job_id)
    if not job.is_polling(claimed.execution_id):
        log.info("job %s moved on (%s) while it was polled; answer dropped", job.id, job.status)
        return "stale"
    counted: str
    entry: LedgerEntry | None = None
    if isinstance(observation, _Stored):
        file = _report_file(job, claimed, observation, now)
        job.complete(row_count=file.row_count, partial=file.partial, now=now)
        await uow.files.add(file)
        await uow.emit(messages.query_completed(job, file, credits=observation.cost, now=now))
        entry = _entry(job, claimed, observation.cost, "completed", now)
        counted = "completed"
    elif isinstance(observation, _Ended):
        job.fail(failure=observation.ended.failure, now=now)
        await uow.emit(messages.query_failed(job, now=now))
        entry = _entry(job, claimed, observation.cost, "failed", now)
        counted = "failed"
    else:
        timed_out: JobChange | None
        if isinstance(observation, _CallFailed):
            log.warning("job %s: poll failed: %s", job.id, observation.failure.message)
            timed_out = job.poll_failed(failure=observation.failure, now=now, schedule=schedule)
            counted = "poll_errors"
        else:
            timed_out = job.still_running(now=now, schedule=schedule, state=observation.state)
            counted = "still_running"
        if timed_out is not None:
            await uow.emit(messages.query_failed(job, now=now))
            entry = _entry(job, claimed, None, "timed_out", now)
            counted = "timed_out"
            log.error("job %s (%s): no result by its deadline", job.id, job.query_name)
    await uow.jobs.save(job)
    if entry is not None:
        await record_execution_cost(uow, entry=entry, budget=budget, now=now)
    if isinstance(observation, _CallFailed) and observation.failure.pause_intake:
        await pause_intake(
            uow, reason=f"Dune answered 402: {observation.failure.message}", by=SYSTEM, now=now
        )
    await finish_if_done(uow, run, now=now)
    return counted


def _report_file(job: QueryJob, claimed: _Claimed, stored: _Stored, now: datetime) -> ReportFile:
    return ReportFile(
        job_id=job.id,
        analysis_id=job.analysis_id,
        order_id=job.order_id,
        user_id=claimed.user_id,
        query_name=job.query_name,
        file_name=job.output_file,
        path=claimed.path,
        size_bytes=stored.stored.size_bytes,
        sha256=stored.stored.sha256,
        row_count=stored.ready.row_count,
        partial=stored.ready.partial,
        execution_id=claimed.execution_id,
        created_at=now,
    )


def _entry(
    job: QueryJob, claimed: _Claimed, cost: Decimal | None, outcome: str, now: datetime
) -> LedgerEntry:
    return LedgerEntry.of(
        execution_id=claimed.execution_id,
        job_id=job.id,
        order_id=job.order_id,
        query_name=job.query_name,
        credits=cost,
        outcome=outcome,
        now=now,
    )
