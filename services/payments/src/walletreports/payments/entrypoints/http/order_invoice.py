"""An order's invoice, for web, which knows the order id first (/v1/orders/{id}/invoice)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from walletreports.kit import InternalAuth, error_responses

from ...service_layer.errors import InvoiceNotFound
from .dependencies import PaymentsUnits
from .presenters import invoice_view, refund_views
from .responses import Invoice

router = APIRouter(prefix="/v1/orders", tags=["invoices"], dependencies=[InternalAuth])

NOT_FOUND = error_responses(
    404,
    described={
        404: (
            "The order has no invoice (`invoice_not_found`): not created yet (it follows"
            " order.created within moments), or the order needs no payment."
        )
    },
)


@router.get("/{order_id}/invoice", summary="The invoice of an order", responses=NOT_FOUND)
async def invoice_of_order(order_id: uuid.UUID, units: PaymentsUnits) -> Invoice:
    async with units() as uow:
        invoice = await uow.invoices.for_order(order_id)
        if invoice is None:
            raise InvoiceNotFound.for_order(order_id)
        urls = await uow.invoices.method_urls(invoice.id)
        refunds = await uow.refunds.for_invoice(invoice.id)
        refund_urls = await uow.refunds.urls(r.id for r in refunds)
    return invoice_view(invoice, urls, refund_views(refunds, refund_urls))
