"""Read models for the HTTP API (staff console, web): what an order's analysis is and
holds, and pages of runs and jobs, straight from the tables. Nothing is decided or locked
here; the domain objects come back as the repositories build them (`uow.views`).

Lists are newest first (runs by creation, jobs by their last change) with `limit` /
`offset` and the total over all pages.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from sqlalchemy import Date, Select, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain import AnalysisRun, QueryJob, ReportBundle, ReportFile
from .bundle_repo import bundle_from_row
from .execute_log import ExecuteLogEntry, ExecuteLogRepository
from .runs_repo import (
    AnalysisRepository,
    JobRepository,
    ReportFileRepository,
    analysis_from_row,
    file_from_row,
    job_from_row,
)
from .tables import analyses, credit_ledger, execute_log, query_jobs, report_bundles, report_files

__all__ = ["AnalysisView", "CreditsOfDay", "DuneRunnerViews", "Page", "StoredFileView"]

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True)
class AnalysisView:
    """A run with its jobs (history and retry records on them) and its files, in the
    jobs' order."""

    analysis: AnalysisRun
    jobs: list[QueryJob]
    files: list[ReportFile]
    bundle: ReportBundle | None = None


@dataclass(frozen=True)
class StoredFileView:
    """A servable file: a report's CSV (its id is its job's) or a bundle's zip or summary."""

    file_id: uuid.UUID
    order_id: uuid.UUID
    user_id: uuid.UUID
    file_name: str
    path: str
    size_bytes: int
    sha256: str


@dataclass(frozen=True)
class CreditsOfDay:
    day: date
    credits: Decimal
    executions: int


class DuneRunnerViews:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def analysis(self, analysis_id: uuid.UUID) -> AnalysisView | None:
        return await self._view(await AnalysisRepository(self.session).get(analysis_id))

    async def analysis_of_order(self, order_id: uuid.UUID) -> AnalysisView | None:
        return await self._view(await AnalysisRepository(self.session).for_order(order_id))

    async def analyses(
        self,
        *,
        status: str | None = None,
        outcome: str | None = None,
        user_id: uuid.UUID | None = None,
        created_from: datetime | None = None,
        created_before: datetime | None = None,
        search: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Page[AnalysisRun]:
        """`search`: an order id, a wallet (any case) or a job's execution id, exactly."""
        query = select(analyses)
        if created_from is not None:
            query = query.where(analyses.c.created_at >= created_from)
        if created_before is not None:
            query = query.where(analyses.c.created_at < created_before)
        if search is not None:
            matches = [
                func.lower(analyses.c.wallet_address) == search.lower(),
                analyses.c.id.in_(
                    select(query_jobs.c.analysis_id).where(query_jobs.c.execution_id == search)
                ),
                analyses.c.order_id.in_(
                    select(execute_log.c.order_id).where(execute_log.c.execution_id == search)
                ),
            ]
            try:
                matches.append(analyses.c.order_id == uuid.UUID(search))
            except ValueError:
                pass
            query = query.where(or_(*matches))
        if status is not None:
            query = query.where(analyses.c.status == status)
        if outcome is not None:
            query = query.where(analyses.c.outcome == outcome)
        if user_id is not None:
            query = query.where(analyses.c.user_id == user_id)
        rows, total = await self._page(
            query, (analyses.c.created_at.desc(), analyses.c.id), limit, offset
        )
        return Page([analysis_from_row(r) for r in rows], total, limit, offset)

    async def jobs(
        self,
        *,
        statuses: Sequence[str] = (),
        query_name: str | None = None,
        order_id: uuid.UUID | None = None,
        error_types: Sequence[str] = (),
        updated_from: datetime | None = None,
        updated_before: datetime | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Page[QueryJob]:
        """Jobs without their history (load a run for that): e.g. every job waiting for
        staff, statuses=("failed_needs_review", "failed_retryable", "in_doubt")."""
        query = select(query_jobs)
        if statuses:
            query = query.where(query_jobs.c.status.in_(list(statuses)))
        if query_name is not None:
            query = query.where(query_jobs.c.query_name == query_name)
        if order_id is not None:
            query = query.where(query_jobs.c.order_id == order_id)
        if error_types:
            query = query.where(query_jobs.c.error_type.in_(list(error_types)))
        if updated_from is not None:
            query = query.where(query_jobs.c.updated_at >= updated_from)
        if updated_before is not None:
            query = query.where(query_jobs.c.updated_at < updated_before)
        rows, total = await self._page(
            query, (query_jobs.c.updated_at.desc(), query_jobs.c.id), limit, offset
        )
        return Page([job_from_row(r) for r in rows], total, limit, offset)

    async def executes(self, job_id: uuid.UUID) -> list[ExecuteLogEntry]:
        """Every execute sent for the job (the audit log), oldest first."""
        return await ExecuteLogRepository(self.session).for_job(job_id)

    async def file(self, file_id: uuid.UUID) -> StoredFileView | None:
        """A report CSV (by its job id) or a bundle's zip or summary (by their ids)."""
        row = (
            await self.session.execute(select(report_files).where(report_files.c.job_id == file_id))
        ).first()
        if row is not None:
            report = file_from_row(row)
            return StoredFileView(
                report.job_id,
                report.order_id,
                report.user_id,
                report.file_name,
                report.path,
                report.size_bytes,
                report.sha256,
            )
        b = report_bundles.c
        found = (
            await self.session.execute(
                select(report_bundles).where(
                    or_(b.zip_file_id == file_id, b.summary_file_id == file_id)
                )
            )
        ).first()
        if found is None:
            return None
        bundle = bundle_from_row(found)
        if bundle.zip_file_id == file_id:
            return StoredFileView(
                file_id,
                bundle.order_id,
                bundle.user_id,
                bundle.zip_path.rsplit("/", 1)[-1],
                bundle.zip_path,
                bundle.zip_size_bytes,
                bundle.zip_sha256,
            )
        return StoredFileView(
            file_id,
            bundle.order_id,
            bundle.user_id,
            bundle.summary_path.rsplit("/", 1)[-1],
            bundle.summary_path,
            bundle.summary_size_bytes,
            bundle.summary_sha256,
        )

    async def credits_by_day(self, start: datetime, end: datetime) -> list[CreditsOfDay]:
        """Ledger credits per UTC day of `recorded_at` in [start, end), days with any."""
        day = cast(func.timezone("UTC", credit_ledger.c.recorded_at), Date).label("day")
        query = (
            select(day, func.sum(credit_ledger.c.credits), func.count())
            .where(credit_ledger.c.recorded_at >= start, credit_ledger.c.recorded_at < end)
            .group_by(day)
            .order_by(day)
        )
        return [
            CreditsOfDay(row[0], Decimal(row[1]), int(row[2]))
            for row in (await self.session.execute(query)).all()
        ]

    async def _view(self, analysis: AnalysisRun | None) -> AnalysisView | None:
        if analysis is None:
            return None
        jobs = await JobRepository(self.session).for_analysis(analysis.id)
        files = await ReportFileRepository(self.session).for_analysis(analysis.id)
        bundle = (
            await self.session.execute(
                select(report_bundles).where(report_bundles.c.analysis_id == analysis.id)
            )
        ).first()
        return AnalysisView(
            analysis, jobs, files, None if bundle is None else bundle_from_row(bundle)
        )

    async def _page(
        self, query: Select[Any], order: tuple[Any, ...], limit: int, offset: int
    ) -> tuple[list[Any], int]:
        total = (
            await self.session.execute(select(func.count()).select_from(query.subquery()))
        ).scalar_one()
        rows = (
            await self.session.execute(query.order_by(*order).limit(limit).offset(offset))
        ).all()
        return list(rows), int(total)
