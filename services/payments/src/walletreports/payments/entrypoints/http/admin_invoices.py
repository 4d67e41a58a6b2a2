"""The staff console's invoices (/admin/api/invoices): find them, see one with its history.
What staff decide about an invoice is in admin_invoice_actions.

Web checks the staff flag before calling (it owns users); this API trusts its token.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from walletreports.kit import ApiError, InternalAuth, error_responses

from ...adapters.invoice_queries import InvoiceFilters, InvoiceQueries, PageRequest
from ...domain import Currency, InvoiceReason, InvoiceStatus
from .admin_presenters import load_admin_invoice
from .admin_responses import AdminInvoice, InvoicesPage
from .admin_schemas import Limit, Offset, QueryDate, SearchText, end_of, start_of
from .dependencies import PaymentsUnits

router = APIRouter(
    prefix="/admin/api/invoices", tags=["admin: invoices"], dependencies=[InternalAuth]
)

SEARCH = (
    "exactly one of: an invoice's reference, the signature or the payer of one of its"
    " transfers, an invoice id, an order id"
)
CURRENCY = (
    "invoices with at least one transfer seen in this currency (at any commitment):"
    " what was paid in it, not what is offered"
)


@router.get(
    "",
    summary="Find invoices",
    description="Invoice summaries, newest first. Filters combine (AND); a repeated"
    " `status` or `reason` is any of them. Days are UTC.",
    responses=error_responses(
        422,
        described={422: "Does not match this schema, or `created_to` is before `created_from`."},
    ),
)
async def list_invoices(
    units: PaymentsUnits,
    status: Annotated[list[InvoiceStatus] | None, Query(max_length=5)] = None,
    reason: Annotated[list[InvoiceReason] | None, Query(max_length=4)] = None,
    currency: Annotated[Currency | None, Query(description=CURRENCY)] = None,
    created_from: Annotated[QueryDate | None, Query(description="first day, inclusive")] = None,
    created_to: Annotated[QueryDate | None, Query(description="last day, inclusive")] = None,
    q: Annotated[SearchText | None, Query(description=SEARCH)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> InvoicesPage:
    if created_from is not None and created_to is not None and created_to < created_from:
        raise ApiError(
            422, "invalid_request", "created_to must not be before created_from", field="created_to"
        )
    filters = InvoiceFilters(
        statuses=tuple(s.value for s in status or ()),
        reasons=tuple(r.value for r in reason or ()),
        currency=None if currency is None else currency.value,
        created_from=None if created_from is None else start_of(created_from),
        created_to=None if created_to is None else end_of(created_to),
        search=q,
    )
    async with units() as uow:
        page = await InvoiceQueries(uow.session).list_invoices(filters, PageRequest(limit, offset))
    return InvoicesPage.model_validate(page.as_dict())


@router.get(
    "/{invoice_id}",
    summary="One invoice, with its history, the money for staff and rejected transactions",
    responses=error_responses(
        404, described={404: "No invoice with this id (`invoice_not_found`)."}
    ),
)
async def invoice_detail(invoice_id: uuid.UUID, units: PaymentsUnits) -> AdminInvoice:
    async with units() as uow:
        return await load_admin_invoice(uow, invoice_id)
