"""The staff console's refunds (/admin/api/refunds): find them, withdraw one not yet sent.
Asking for one is on its invoice (admin_refund_requests); its QR code in refund_qr_codes.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from walletreports.kit import InternalAuth, Now, error_responses

from ...adapters.refunds_repo import RefundFilters
from ...domain import RefundChange, RefundStatus
from ...service_layer import refunding, staff
from ...service_layer.refund_errors import RefundNotFound
from .admin_schemas import Limit, Offset
from .dependencies import PaymentsUnits
from .presenters import refund_view, refund_views
from .refund_responses import RefundCancelResult, RefundsPage
from .refund_schemas import RefundCancelBody

router = APIRouter(
    prefix="/admin/api/refunds", tags=["admin: refunds"], dependencies=[InternalAuth]
)


@router.get(
    "",
    summary="Find refunds",
    description="Newest first. Filters combine (AND).",
    responses=error_responses(422),
)
async def list_refunds(
    units: PaymentsUnits,
    status: Annotated[RefundStatus | None, Query(description="requested, sent, cancelled")] = None,
    invoice_id: Annotated[uuid.UUID | None, Query(description="the invoice refunded")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> RefundsPage:
    filters = RefundFilters(status=status, invoice_id=invoice_id)
    async with units() as uow:
        listing = await uow.refunds.listing(filters, limit=limit, offset=offset)
        urls = await uow.refunds.urls(r.id for r in listing.items)
    return RefundsPage(
        items=refund_views(listing.items, urls),
        total=listing.total,
        limit=listing.limit,
        offset=listing.offset,
    )


@router.post(
    "/{refund_id}/cancel",
    summary="Withdraw a refund",
    description="Staff withdraw a refund that was not sent: its amount is refundable again."
    " Its URL may still be open in a wallet; if it is paid anyway, the watcher does not"
    " mark it sent and records the transaction for staff (a rejected candidate).",
    responses=error_responses(
        404,
        409,
        422,
        described={
            404: "No refund with this id (`refund_not_found`).",
            409: "The refund was sent already (`illegal_refund_transition`).",
            422: "Does not match this schema.",
        },
    ),
)
async def cancel_refund(
    refund_id: uuid.UUID, body: RefundCancelBody, units: PaymentsUnits, now: Now
) -> RefundCancelResult:
    async with units() as uow:
        outcome = await refunding.cancel(
            uow,
            refund_id=refund_id,
            by=staff.staff_actor(body.staff_email),
            note=body.note,
            now=now,
        )
        refund = await uow.refunds.get(refund_id)
        if refund is None:  # it was there a moment ago, in this transaction
            raise RefundNotFound.by_id(refund_id)
        urls = await uow.refunds.urls([refund_id])
    return RefundCancelResult(
        changed=isinstance(outcome, RefundChange), refund=refund_view(refund, urls[refund_id])
    )
