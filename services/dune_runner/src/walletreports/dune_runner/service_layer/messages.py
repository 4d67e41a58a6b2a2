"""Domain outcomes as the contract events other services consume.

Events about an order carry correlation_id = the order id; budget and intake events
concern no order (correlation_id None).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from walletreports.contracts.dune_runner import (
    AnalysisFinished,
    AnalysisStarted,
    BudgetThresholdReached,
    IntakePaused,
    IntakeResumed,
    QueryCompleted,
    QueryFailed,
    ReportRef,
)

from ..domain import (
    AnalysisFinish,
    AnalysisRun,
    IntakeChange,
    QueryJob,
    ReportFile,
    ThresholdReached,
)

__all__ = [
    "analysis_finished",
    "analysis_started",
    "intake_changed",
    "query_completed",
    "query_failed",
    "report_ref",
    "threshold_reached",
]


def report_ref(file: ReportFile) -> ReportRef:
    return ReportRef(
        query_name=file.query_name,
        file_name=file.file_name,
        size_bytes=file.size_bytes,
        sha256=file.sha256,
    )


def analysis_started(
    run: AnalysisRun, jobs: Sequence[QueryJob], *, now: datetime
) -> AnalysisStarted:
    """`queries`: the jobs this start sends to Dune (all of them, or after a re-open the
    ones re-run)."""
    return AnalysisStarted(
        analysis_id=run.id,
        order_id=run.order_id,
        user_id=run.user_id,
        queries=[job.query_name for job in sorted(jobs, key=lambda j: j.position)],
        occurred_at=now,
        correlation_id=str(run.order_id),
    )


def query_completed(
    job: QueryJob, file: ReportFile, *, credits: Decimal | None, now: datetime
) -> QueryCompleted:
    assert job.execution_id is not None  # a completed job has its execution
    return QueryCompleted(
        analysis_id=job.analysis_id,
        order_id=job.order_id,
        job_id=job.id,
        query_name=job.query_name,
        execution_id=job.execution_id,
        row_count=file.row_count,
        report=report_ref(file),
        credits_used=Decimal(0) if credits is None else credits,
        occurred_at=now,
        correlation_id=str(job.order_id),
    )


def query_failed(job: QueryJob, *, now: datetime) -> QueryFailed:
    failure = job.failure()
    assert failure is not None  # a failed job has its error
    return QueryFailed(
        analysis_id=job.analysis_id,
        order_id=job.order_id,
        job_id=job.id,
        query_name=job.query_name,
        error_type=failure.error_type.value,
        error_message=failure.message,
        retryable_by_staff=failure.retryable_by_staff,
        occurred_at=now,
        correlation_id=str(job.order_id),
    )


def analysis_finished(finish: AnalysisFinish, files: Sequence[ReportFile]) -> AnalysisFinished:
    """`reports`: the files of the completed jobs, in the jobs' order."""
    by_job = {f.job_id: f for f in files}
    return AnalysisFinished(
        analysis_id=finish.analysis_id,
        order_id=finish.order_id,
        user_id=finish.user_id,
        outcome=finish.outcome.value,
        reports=[report_ref(by_job[j]) for j in finish.completed_job_ids if j in by_job],
        failed_queries=list(finish.failed_queries),
        occurred_at=finish.at,
        correlation_id=str(finish.order_id),
    )


def threshold_reached(reached: ThresholdReached) -> BudgetThresholdReached:
    return BudgetThresholdReached(
        period=reached.period.value,
        credits_used=reached.used,
        credits_budget=reached.budget,
        threshold_percent=reached.threshold,
        occurred_at=reached.at,
    )


def intake_changed(change: IntakeChange) -> IntakePaused | IntakeResumed:
    if change.paused:
        return IntakePaused(reason=change.reason, occurred_at=change.at)
    return IntakeResumed(reason=change.reason, occurred_at=change.at)
