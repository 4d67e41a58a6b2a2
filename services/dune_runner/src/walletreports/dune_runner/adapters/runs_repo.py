"""Loading and saving the domain's runs, jobs and report files (service_layer.ports:
AnalysisRepositoryPort, JobRepositoryPort, ReportFileRepositoryPort).

A job comes back whole (its history and retry records on it), so a use case never reads
its rows again. What this repository keeps is about the database, not the job: how many
history entries and retry records each job had when this unit of work loaded (or added)
it, so that `save` updates the row and appends only what the domain added (history is
never rewritten). Only a job loaded to be changed may be saved: `get` is a read.

Locks, as the ports document them: `lock=True` is SELECT ... FOR UPDATE (the analysis row
stands for its jobs); `due_for_poll` is FOR UPDATE SKIP LOCKED, so pollers on several
replicas never wait on, or take, each other's jobs.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain import (
    AnalysisOutcome,
    AnalysisRun,
    AnalysisStatus,
    ErrorType,
    JobChange,
    JobStatus,
    QueryJob,
    ReportFile,
    RetryRecord,
)
from .tables import analyses, job_history, job_retries, query_jobs, report_files

__all__ = ["AnalysisRepository", "JobRepository", "ReportFileRepository"]


# --- analyses ----------------------------------------------------------------------------


class AnalysisRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, analysis: AnalysisRun) -> None:
        """A second run for the order fails on UNIQUE order_id (IntegrityError)."""
        await self.session.execute(
            insert(analyses).values(
                id=analysis.id,
                order_id=analysis.order_id,
                user_id=analysis.user_id,
                wallet_address=analysis.wallet_address,
                product=analysis.product,
                created_at=analysis.created_at,
                **_analysis_state(analysis),
            )
        )

    async def get(self, analysis_id: uuid.UUID, *, lock: bool = False) -> AnalysisRun | None:
        return await self._one(select(analyses).where(analyses.c.id == analysis_id), lock)

    async def for_order(self, order_id: uuid.UUID, *, lock: bool = False) -> AnalysisRun | None:
        return await self._one(select(analyses).where(analyses.c.order_id == order_id), lock)

    async def save(self, analysis: AnalysisRun) -> None:
        await self.session.execute(
            update(analyses).where(analyses.c.id == analysis.id).values(**_analysis_state(analysis))
        )

    async def _one(self, query: Select[Any], lock: bool) -> AnalysisRun | None:
        if lock:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        return None if row is None else analysis_from_row(row)


def _analysis_state(analysis: AnalysisRun) -> dict[str, Any]:
    return {
        "status": analysis.status.value,
        "outcome": None if analysis.outcome is None else analysis.outcome.value,
        "runs": analysis.runs,
        "started_at": analysis.started_at,
        "finished_at": analysis.finished_at,
        "given_up_by": analysis.given_up_by,
        "given_up_reason": analysis.given_up_reason,
        "updated_at": func.now(),
    }


def analysis_from_row(row: Any) -> AnalysisRun:
    return AnalysisRun(
        id=row.id,
        order_id=row.order_id,
        user_id=row.user_id,
        wallet_address=row.wallet_address,
        product=row.product,
        created_at=row.created_at,
        status=AnalysisStatus(row.status),
        outcome=None if row.outcome is None else AnalysisOutcome(row.outcome),
        runs=row.runs,
        started_at=row.started_at,
        finished_at=row.finished_at,
        given_up_by=row.given_up_by,
        given_up_reason=row.given_up_reason,
    )


# --- jobs --------------------------------------------------------------------------------


@dataclass
class _Stored:
    """How much of a job's append-only lists the database has."""

    history: int
    retries: int


class JobRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._stored: dict[uuid.UUID, _Stored] = {}

    async def add(self, job: QueryJob) -> None:
        await self.session.execute(
            insert(query_jobs).values(
                id=job.id,
                analysis_id=job.analysis_id,
                order_id=job.order_id,
                query_name=job.query_name,
                query_id=job.query_id,
                parameters=dict(job.parameters),
                output_file=job.output_file,
                position=job.position,
                created_at=job.created_at,
                **_job_state(job),
            )
        )
        self._stored[job.id] = _Stored(history=0, retries=0)
        await self._append(job)

    async def get(self, job_id: uuid.UUID) -> QueryJob | None:
        """A read: the job is not registered for `save`."""
        rows = (
            await self.session.execute(select(query_jobs).where(query_jobs.c.id == job_id))
        ).all()
        jobs = await self._whole(rows, register=False)
        return jobs[0] if jobs else None

    async def for_analysis(self, analysis_id: uuid.UUID, *, lock: bool = False) -> list[QueryJob]:
        query = (
            select(query_jobs)
            .where(query_jobs.c.analysis_id == analysis_id)
            .order_by(query_jobs.c.position)
        )
        if lock:
            query = query.with_for_update()
        return await self._whole((await self.session.execute(query)).all(), register=True)

    async def due_for_poll(self, now: datetime, *, limit: int) -> list[QueryJob]:
        query = (
            select(query_jobs)
            .where(
                query_jobs.c.status == JobStatus.EXECUTING.value,
                query_jobs.c.next_poll_at <= now,
            )
            .order_by(query_jobs.c.next_poll_at, query_jobs.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return await self._whole((await self.session.execute(query)).all(), register=True)

    async def analyses_with_waiting_jobs(self, *, limit: int) -> list[uuid.UUID]:
        oldest = func.min(query_jobs.c.created_at)
        query = (
            select(query_jobs.c.analysis_id)
            .where(query_jobs.c.status == JobStatus.WAITING.value)
            .group_by(query_jobs.c.analysis_id)
            .order_by(oldest, query_jobs.c.analysis_id)
            .limit(limit)
        )
        return list((await self.session.execute(query)).scalars())

    async def counts_by_status(self) -> dict[str, int]:
        """How many jobs are in each status (for the metrics)."""
        query = select(query_jobs.c.status, func.count()).group_by(query_jobs.c.status)
        return {status: count for status, count in await self.session.execute(query)}

    async def save(self, job: QueryJob) -> None:
        if job.id not in self._stored:
            raise RuntimeError(
                f"job {job.id} was not loaded to be changed in this unit of work "
                "(jobs.get is a read; load it with for_analysis under its analysis's lock)"
            )
        await self.session.execute(
            update(query_jobs).where(query_jobs.c.id == job.id).values(**_job_state(job))
        )
        await self._append(job)

    async def _append(self, job: QueryJob) -> None:
        stored = self._stored[job.id]
        new_history = job.history[stored.history :]
        new_retries = job.retries[stored.retries :]
        if new_history:
            await self.session.execute(
                insert(job_history),
                [
                    _history_row(job.id, seq, change)
                    for seq, change in enumerate(new_history, start=stored.history)
                ],
            )
        if new_retries:
            await self.session.execute(
                insert(job_retries), [_retry_row(job.id, record) for record in new_retries]
            )
        self._stored[job.id] = _Stored(history=len(job.history), retries=len(job.retries))

    async def _whole(self, rows: Sequence[Any], *, register: bool) -> list[QueryJob]:
        if not rows:
            return []
        ids = [row.id for row in rows]
        history = await _children(self.session, job_history, ids, job_history.c.seq)
        retries = await _children(self.session, job_retries, ids, job_retries.c.number)
        jobs = []
        for row in rows:
            job = job_from_row(
                row,
                history=[_change(h) for h in history.get(row.id, [])],
                retries=[_retry(r) for r in retries.get(row.id, [])],
            )
            if register:
                self._stored[job.id] = _Stored(len(job.history), len(job.retries))
            jobs.append(job)
        return jobs


async def _children(
    session: AsyncSession, table: Any, ids: list[uuid.UUID], order: Any
) -> dict[uuid.UUID, list[Any]]:
    rows = (
        await session.execute(
            select(table).where(table.c.job_id.in_(ids)).order_by(table.c.job_id, order)
        )
    ).all()
    grouped: dict[uuid.UUID, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row.job_id, []).append(row)
    return grouped


def _job_state(job: QueryJob) -> dict[str, Any]:
    return {
        "status": job.status.value,
        "attempt": job.attempt,
        "retry_count": job.retry_count,
        "execution_id": job.execution_id,
        "accepted_at": job.accepted_at,
        "deadline_at": job.deadline_at,
        "next_poll_at": job.next_poll_at,
        "polls": job.polls,
        "last_poll_error": job.last_poll_error,
        "error_type": None if job.error_type is None else job.error_type.value,
        "error_message": job.error_message,
        "row_count": job.row_count,
        "partial": job.partial,
        "finished_at": job.finished_at,
        "updated_at": func.now(),
    }


def _history_row(job_id: uuid.UUID, seq: int, change: JobChange) -> dict[str, Any]:
    return {
        "job_id": job_id,
        "seq": seq,
        "from_status": change.from_status.value,
        "to_status": change.to_status.value,
        "at": change.at,
        "actor": change.actor,
        "reason": change.reason,
    }


def _retry_row(job_id: uuid.UUID, record: RetryRecord) -> dict[str, Any]:
    return {
        "job_id": job_id,
        "number": record.number,
        "at": record.at,
        "by": record.by,
        "reason": record.reason,
        "from_status": record.from_status.value,
        "error_type": None if record.error_type is None else record.error_type.value,
        "error_message": record.error_message,
        "execution_id": record.execution_id,
    }


def _change(row: Any) -> JobChange:
    return JobChange(
        job_id=row.job_id,
        from_status=JobStatus(row.from_status),
        to_status=JobStatus(row.to_status),
        at=row.at,
        actor=row.actor,
        reason=row.reason,
    )


def _retry(row: Any) -> RetryRecord:
    return RetryRecord(
        number=row.number,
        at=row.at,
        by=row.by,
        reason=row.reason,
        from_status=JobStatus(row.from_status),
        error_type=None if row.error_type is None else ErrorType(row.error_type),
        error_message=row.error_message,
        execution_id=row.execution_id,
    )


def job_from_row(
    row: Any, *, history: Iterable[JobChange] = (), retries: Iterable[RetryRecord] = ()
) -> QueryJob:
    return QueryJob(
        id=row.id,
        analysis_id=row.analysis_id,
        order_id=row.order_id,
        query_name=row.query_name,
        query_id=row.query_id,
        parameters={str(k): str(v) for k, v in row.parameters.items()},
        output_file=row.output_file,
        position=row.position,
        created_at=row.created_at,
        status=JobStatus(row.status),
        attempt=row.attempt,
        retry_count=row.retry_count,
        execution_id=row.execution_id,
        accepted_at=row.accepted_at,
        deadline_at=row.deadline_at,
        next_poll_at=row.next_poll_at,
        polls=row.polls,
        last_poll_error=row.last_poll_error,
        error_type=None if row.error_type is None else ErrorType(row.error_type),
        error_message=row.error_message,
        row_count=row.row_count,
        partial=row.partial,
        finished_at=row.finished_at,
        retries=list(retries),
        history=list(history),
    )


# --- report files ------------------------------------------------------------------------


class ReportFileRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, file: ReportFile) -> None:
        """A second file for the job fails on its primary key (IntegrityError)."""
        await self.session.execute(
            insert(report_files).values(
                job_id=file.job_id,
                analysis_id=file.analysis_id,
                order_id=file.order_id,
                user_id=file.user_id,
                query_name=file.query_name,
                file_name=file.file_name,
                path=file.path,
                size_bytes=file.size_bytes,
                sha256=file.sha256,
                row_count=file.row_count,
                partial=file.partial,
                execution_id=file.execution_id,
                created_at=file.created_at,
            )
        )

    async def for_analysis(self, analysis_id: uuid.UUID) -> list[ReportFile]:
        query = (
            select(report_files)
            .join(query_jobs, query_jobs.c.id == report_files.c.job_id)
            .where(report_files.c.analysis_id == analysis_id)
            .order_by(query_jobs.c.position)
        )
        return [file_from_row(row) for row in (await self.session.execute(query)).all()]


def file_from_row(row: Any) -> ReportFile:
    return ReportFile(
        job_id=row.job_id,
        analysis_id=row.analysis_id,
        order_id=row.order_id,
        user_id=row.user_id,
        query_name=row.query_name,
        file_name=row.file_name,
        path=row.path,
        size_bytes=row.size_bytes,
        sha256=row.sha256,
        row_count=row.row_count,
        partial=row.partial,
        execution_id=row.execution_id,
        created_at=row.created_at,
    )
