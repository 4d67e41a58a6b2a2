"""Domain objects and read models as the API's answers (responses.py)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from ...adapters.execute_log import ExecuteLogEntry
from ...adapters.unit_of_work import DuneRunnerUnitOfWork
from ...adapters.views import AnalysisView
from ...domain import AnalysisNotFound, AnalysisRun, Intake, JobNotFound, QueryJob, ReportFile
from . import responses as r

FILES_PATH = "/v1/files"


def job_view(job: QueryJob) -> r.Job:
    return r.Job(**_job_fields(job))


def _job_fields(job: QueryJob) -> dict[str, Any]:
    return {
        "job_id": job.id,
        "query_name": job.query_name,
        "status": job.status,
        "error_type": job.error_type,
        "error_message": job.error_message,
        "retry_count": job.retry_count,
        "execution_id": job.execution_id,
        "row_count": job.row_count,
        "finished_at": job.finished_at,
    }


def _admin_job_fields(job: QueryJob) -> dict[str, Any]:
    return _job_fields(job) | {
        "analysis_id": job.analysis_id,
        "order_id": job.order_id,
        "query_id": job.query_id,
        "attempt": job.attempt,
        "partial": job.partial,
        "accepted_at": job.accepted_at,
        "deadline_at": job.deadline_at,
        "polls": job.polls,
        "last_poll_error": job.last_poll_error,
        "created_at": job.created_at,
    }


def admin_job(job: QueryJob) -> r.AdminJob:
    return r.AdminJob(**_admin_job_fields(job))


def admin_job_detail(job: QueryJob, executes: list[ExecuteLogEntry]) -> r.AdminJobDetail:
    return r.AdminJobDetail(
        **_admin_job_fields(job),
        history=[
            r.HistoryEntry(
                from_status=h.from_status,
                to_status=h.to_status,
                at=h.at,
                actor=h.actor,
                reason=h.reason,
            )
            for h in job.history
        ],
        retries=[
            r.RetryEntry(
                number=x.number,
                at=x.at,
                by=x.by,
                reason=x.reason,
                from_status=x.from_status,
                error_type=x.error_type,
                error_message=x.error_message,
                execution_id=x.execution_id,
            )
            for x in job.retries
        ],
        executes=[
            r.ExecuteEntry(
                attempt=e.attempt,
                sent_at=e.sent_at,
                answered_at=e.answered_at,
                outcome=e.outcome,
                execution_id=e.execution_id,
                error=e.error,
                credits=e.credits,
                ended_at=e.ended_at,
            )
            for e in executes
        ],
        credits=_credits(executes),
    )


def _credits(executes: list[ExecuteLogEntry]) -> Decimal:
    return sum((e.credits for e in executes if e.credits is not None), Decimal(0))


def file_view(file: ReportFile) -> r.File:
    return r.File(
        file_id=file.job_id,
        query_name=file.query_name,
        name=file.file_name,
        size=file.size_bytes,
        sha256=file.sha256,
        rows=file.row_count,
        partial=file.partial,
        url=f"{FILES_PATH}/{file.job_id}",
    )


def _run_fields(run: AnalysisRun) -> dict[str, Any]:
    return {
        "analysis_id": run.id,
        "order_id": run.order_id,
        "user_id": run.user_id,
        "wallet_address": run.wallet_address,
        "product": run.product,
        "status": run.status,
        "outcome": run.outcome,
        "created_at": run.created_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
    }


def run_summary(run: AnalysisRun) -> r.RunSummary:
    return r.RunSummary(
        **_run_fields(run),
        runs=run.runs,
        given_up_by=run.given_up_by,
        given_up_reason=run.given_up_reason,
    )


def _bundle_fields(view: AnalysisView) -> dict[str, Any]:
    bundle = view.bundle
    if bundle is None:
        return {"summary": None, "bundle_file_id": None, "summary_file_id": None}
    return {
        "summary": r.Summary.model_validate(bundle.summary),
        "bundle_file_id": bundle.zip_file_id,
        "summary_file_id": bundle.summary_file_id,
    }


def analysis_view(view: AnalysisView) -> r.Analysis:
    return r.Analysis(
        **_run_fields(view.analysis),
        jobs=[job_view(job) for job in view.jobs],
        files=[file_view(file) for file in view.files],
        **_bundle_fields(view),
    )


async def load_admin_run(uow: DuneRunnerUnitOfWork, order_id: uuid.UUID) -> r.AdminRun:
    view = await uow.views.analysis_of_order(order_id)
    if view is None:
        raise AnalysisNotFound(f"for order {order_id}")
    jobs = [admin_job_detail(job, await uow.views.executes(job.id)) for job in view.jobs]
    return r.AdminRun(
        **run_summary(view.analysis).model_dump(),
        jobs=jobs,
        files=[file_view(file) for file in view.files],
        credits=sum((job.credits for job in jobs), Decimal(0)),
        **_bundle_fields(view),
    )


async def load_admin_job(uow: DuneRunnerUnitOfWork, job_id: uuid.UUID) -> r.AdminJobDetail:
    job = await uow.jobs.get(job_id)
    if job is None:
        raise JobNotFound(job_id)
    return admin_job_detail(job, await uow.views.executes(job.id))


def intake_view(intake: Intake) -> r.Intake:
    return r.Intake(
        paused=intake.paused,
        reason=intake.reason,
        changed_at=intake.changed_at,
        changed_by=intake.changed_by,
    )
