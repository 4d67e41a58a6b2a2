"""The staff console's runs and jobs (/admin/api/runs, /admin/api/jobs): find them, see
one run with its jobs, their history, retries and the execute audit log with credits.
What staff do about them is in admin_actions.

Web checks the staff flag before calling (it owns users); this API trusts its token.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from walletreports.kit import ApiError, InternalAuth, error_responses

from ...domain import AnalysisOutcome, AnalysisStatus, ErrorType, JobStatus
from .dependencies import DuneRunnerUnits
from .presenters import admin_job, load_admin_run, run_summary
from .responses import AdminRun, JobsPage, RunsPage
from .schemas import Limit, Offset, QueryDate, SearchText, end_of, start_of

router = APIRouter(prefix="/admin/api", tags=["admin: runs"], dependencies=[InternalAuth])

SEARCH = "exactly one of: an order id, a wallet address (any case), a Dune execution id"
BAD_QUERY = "Does not match this schema, or the last day is before the first."


def _days(first_name: str, first: object, last_name: str, last: object) -> None:
    if first is not None and last is not None and last < first:  # type: ignore[operator]
        raise ApiError(
            422, "invalid_request", f"{last_name} must not be before {first_name}", field=last_name
        )


@router.get(
    "/runs",
    summary="Find analysis runs",
    description="Runs, newest first. Filters combine (AND); days are UTC, both inclusive.",
    responses=error_responses(422, described={422: BAD_QUERY}),
)
async def list_runs(
    units: DuneRunnerUnits,
    status: AnalysisStatus | None = None,
    outcome: AnalysisOutcome | None = None,
    user_id: uuid.UUID | None = None,
    created_from: Annotated[QueryDate | None, Query(description="first day, inclusive")] = None,
    created_to: Annotated[QueryDate | None, Query(description="last day, inclusive")] = None,
    q: Annotated[SearchText | None, Query(description=SEARCH)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> RunsPage:
    _days("created_from", created_from, "created_to", created_to)
    async with units() as uow:
        page = await uow.views.analyses(
            status=None if status is None else status.value,
            outcome=None if outcome is None else outcome.value,
            user_id=user_id,
            created_from=None if created_from is None else start_of(created_from),
            created_before=None if created_to is None else end_of(created_to),
            search=q,
            limit=limit,
            offset=offset,
        )
    return RunsPage(
        items=[run_summary(run) for run in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get(
    "/runs/{order_id}",
    summary="One order's run, with jobs, retry history and the execute audit log",
    responses=error_responses(
        404, described={404: "The order has no analysis (`analysis_not_found`)."}
    ),
)
async def run_detail(order_id: uuid.UUID, units: DuneRunnerUnits) -> AdminRun:
    async with units() as uow:
        return await load_admin_run(uow, order_id)


@router.get(
    "/jobs",
    summary="Find query jobs",
    description="Jobs (without history: see the run), most recently changed first. A"
    " repeated `status` or `error_type` is any of them; days (of the last change) are UTC,"
    " both inclusive.",
    responses=error_responses(422, described={422: BAD_QUERY}),
)
async def list_jobs(
    units: DuneRunnerUnits,
    status: Annotated[list[JobStatus] | None, Query(max_length=8)] = None,
    error_type: Annotated[list[ErrorType] | None, Query(max_length=6)] = None,
    order_id: uuid.UUID | None = None,
    updated_from: Annotated[QueryDate | None, Query(description="first day, inclusive")] = None,
    updated_to: Annotated[QueryDate | None, Query(description="last day, inclusive")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> JobsPage:
    _days("updated_from", updated_from, "updated_to", updated_to)
    async with units() as uow:
        page = await uow.views.jobs(
            statuses=[s.value for s in status or ()],
            error_types=[e.value for e in error_type or ()],
            order_id=order_id,
            updated_from=None if updated_from is None else start_of(updated_from),
            updated_before=None if updated_to is None else end_of(updated_to),
            limit=limit,
            offset=offset,
        )
    return JobsPage(
        items=[admin_job(job) for job in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )
