"""Transactions the watcher looked at that paid no invoice, with why
(/admin/api/rejected-candidates): what staff check when a user says "I paid"."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from walletreports.kit import InternalAuth, error_responses

from ...adapters.invoice_queries import InvoiceQueries, PageRequest, RejectionFilters
from ...domain import RejectionReason
from .admin_responses import RejectedCandidatesPage
from .admin_schemas import Limit, Offset, QueryTime
from .dependencies import PaymentsUnits

router = APIRouter(
    prefix="/admin/api/rejected-candidates",
    tags=["admin: invoices"],
    dependencies=[InternalAuth],
)

SINCE = "at or after this time; a date-time without an offset is read as UTC"


@router.get(
    "",
    summary="Rejected candidate transactions",
    description="Newest first. Filters combine (AND).",
    responses=error_responses(422),
)
async def list_rejected_candidates(
    units: PaymentsUnits,
    invoice_id: Annotated[uuid.UUID | None, Query(description="the invoice it named")] = None,
    reason: Annotated[RejectionReason | None, Query(description="the stable code")] = None,
    since: Annotated[QueryTime | None, Query(description=SINCE)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> RejectedCandidatesPage:
    filters = RejectionFilters(
        invoice_id=invoice_id,
        reason=None if reason is None else reason.value,
        since=since,
    )
    async with units() as uow:
        page = await InvoiceQueries(uow.session).rejected_candidates(
            filters, PageRequest(limit, offset)
        )
    return RejectedCandidatesPage.model_validate(page.as_dict())
