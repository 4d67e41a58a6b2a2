"""A run and its jobs, loaded together under the run's lock; and the steps every use case
shares: sending jobs to Dune (one execute effect per attempt) and finishing the run."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ..domain import (
    EXECUTE_EFFECT,
    AnalysisNotFound,
    AnalysisRun,
    JobNotFound,
    JobStatus,
    QueryJob,
)
from . import messages
from .ports import DuneRunnerUnitOfWorkPort

__all__ = ["Run", "finish_if_done", "locked_run", "locked_run_for_order", "save", "send_waiting"]

log = logging.getLogger("walletreports.dune_runner.runs")


@dataclass
class Run:
    analysis: AnalysisRun
    jobs: list[QueryJob]

    def job(self, job_id: uuid.UUID) -> QueryJob:
        for job in self.jobs:
            if job.id == job_id:
                return job
        raise JobNotFound(job_id)

    def waiting(self) -> list[QueryJob]:
        return [job for job in self.jobs if job.status is JobStatus.WAITING]


async def locked_run(uow: DuneRunnerUnitOfWorkPort, analysis_id: uuid.UUID) -> Run:
    analysis = await uow.analyses.get(analysis_id, lock=True)
    if analysis is None:
        raise AnalysisNotFound(str(analysis_id))
    return Run(analysis, await uow.jobs.for_analysis(analysis_id, lock=True))


async def locked_run_for_order(uow: DuneRunnerUnitOfWorkPort, order_id: uuid.UUID) -> Run | None:
    analysis = await uow.analyses.for_order(order_id, lock=True)
    if analysis is None:
        return None
    return Run(analysis, await uow.jobs.for_analysis(analysis.id, lock=True))


async def save(uow: DuneRunnerUnitOfWorkPort, run: Run, jobs: Sequence[QueryJob] = ()) -> None:
    """Write the run and the jobs named (the ones that changed)."""
    await uow.analyses.save(run.analysis)
    for job in jobs:
        await uow.jobs.save(job)


async def send_waiting(uow: DuneRunnerUnitOfWorkPort, run: Run, *, now: datetime) -> list[QueryJob]:
    """Submit every waiting job of the run: one new execute effect each (a new attempt,
    a new key). A run still waiting starts, and says so (`analysis.started`). Saves what
    it changed; returns the jobs sent. The caller has checked that intake is open."""
    waiting = run.waiting()
    if not waiting:
        return []
    started = run.analysis.start(now=now)
    for job in waiting:
        request = job.submit(now=now)
        await uow.request_effect(
            EXECUTE_EFFECT, request.key, request.payload(), correlation_id=request.correlation_id
        )
    await save(uow, run, waiting)
    if started:
        await uow.emit(messages.analysis_started(run.analysis, waiting, now=now))
    log.info(
        "analysis %s (order %s): %d execute(s) requested: %s",
        run.analysis.id,
        run.analysis.order_id,
        len(waiting),
        ", ".join(job.query_name for job in waiting),
    )
    return waiting


async def finish_if_done(uow: DuneRunnerUnitOfWorkPort, run: Run, *, now: datetime) -> bool:
    """`analysis.finished` once every job is terminal; True if it finished now."""
    finish = run.analysis.settle(run.jobs, now=now)
    if finish is None:
        return False
    await uow.analyses.save(run.analysis)
    files = await uow.files.for_analysis(run.analysis.id)
    await uow.emit(messages.analysis_finished(finish, files))
    log.info(
        "analysis %s (order %s) finished: %s%s",
        run.analysis.id,
        run.analysis.order_id,
        finish.outcome,
        f" (failed: {', '.join(finish.failed_queries)})" if finish.failed_queries else "",
    )
    return True
