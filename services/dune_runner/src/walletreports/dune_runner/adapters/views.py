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
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain import AnalysisRun, QueryJob, ReportFile
from .execute_log import ExecuteLogEntry, ExecuteLogRepository
from .runs_repo import (
    AnalysisRepository,
    JobRepository,
    ReportFileRepository,
    analysis_from_row,
    job_from_row,
)
from .tables import analyses, query_jobs

__all__ = ["AnalysisView", "DuneRunnerViews", "Page"]

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
        limit: int = 50,
        offset: int = 0,
    ) -> Page[AnalysisRun]:
        query = select(analyses)
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
        rows, total = await self._page(
            query, (query_jobs.c.updated_at.desc(), query_jobs.c.id), limit, offset
        )
        return Page([job_from_row(r) for r in rows], total, limit, offset)

    async def executes(self, job_id: uuid.UUID) -> list[ExecuteLogEntry]:
        """Every execute sent for the job (the audit log), oldest first."""
        return await ExecuteLogRepository(self.session).for_job(job_id)

    async def _view(self, analysis: AnalysisRun | None) -> AnalysisView | None:
        if analysis is None:
            return None
        jobs = await JobRepository(self.session).for_analysis(analysis.id)
        files = await ReportFileRepository(self.session).for_analysis(analysis.id)
        return AnalysisView(analysis, jobs, files)

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
