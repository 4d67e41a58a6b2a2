"""Invoices, as web's payment page and the staff console read them (/v1/invoices)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from walletreports.kit import InternalAuth, error_responses

from ...service_layer.errors import InvoiceNotFound
from .dependencies import PaymentsUnits
from .presenters import invoice_view, refund_views
from .responses import Invoice

router = APIRouter(prefix="/v1/invoices", tags=["invoices"], dependencies=[InternalAuth])

NOT_FOUND = error_responses(404, described={404: "No invoice with this id (`invoice_not_found`)."})


@router.get("/{invoice_id}", summary="One invoice: methods, URLs, transfers", responses=NOT_FOUND)
async def get_invoice(invoice_id: uuid.UUID, units: PaymentsUnits) -> Invoice:
    async with units() as uow:
        invoice = await uow.invoices.get(invoice_id)
        if invoice is None:
            raise InvoiceNotFound.by_id(invoice_id)
        urls = await uow.invoices.method_urls(invoice_id)
        refunds = await uow.refunds.for_invoice(invoice_id)
        refund_urls = await uow.refunds.urls(r.id for r in refunds)
    return invoice_view(invoice, urls, refund_views(refunds, refund_urls))
