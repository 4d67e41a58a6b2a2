"""The staff console's view of one invoice: the invoice as web reads it (`invoice_view`),
with its history, the money waiting for staff and the transactions it did not take."""

from __future__ import annotations

import uuid

from ...adapters.invoice_queries import InvoiceQueries, PageRequest, RejectionFilters
from ...adapters.unit_of_work import PaymentsUnitOfWork
from ...domain import Currency, Invoice
from ...service_layer.errors import InvoiceNotFound
from .admin_responses import AdminInvoice, HistoryEntry, RejectedCandidate, StaffReviewEntry
from .presenters import invoice_view, refund_views
from .responses import RefundView

# The detail shows the newest candidates; the full list is /admin/api/rejected-candidates.
CANDIDATES_SHOWN = 100


def admin_invoice_view(
    invoice: Invoice,
    urls: dict[str, str],
    candidates: list[RejectedCandidate],
    refunds: list[RefundView],
) -> AdminInvoice:
    return AdminInvoice(
        **dict(invoice_view(invoice, urls, refunds)),
        user_id=invoice.user_id,
        cancelled_at=invoice.cancelled_at,
        history=[
            HistoryEntry(
                from_status=h.from_status,
                to_status=h.to_status,
                from_reason=h.from_reason,
                to_reason=h.to_reason,
                actor=h.actor,
                note=h.note,
                at=h.at,
            )
            for h in invoice.history
        ],
        staff_reviews=[
            StaffReviewEntry(
                kind=r.kind,
                signature=r.transfer.signature,
                currency=Currency(r.transfer.currency),
                amount_base_units=r.transfer.amount_base_units,
                payer=r.transfer.payer,
                message=r.message,
                at=r.at,
            )
            for r in invoice.reviews
        ],
        rejected_candidates=candidates,
    )


async def load_admin_invoice(uow: PaymentsUnitOfWork, invoice_id: uuid.UUID) -> AdminInvoice:
    """The invoice as staff see it, read in `uow` (after a decision: as it now is)."""
    invoice = await uow.invoices.get(invoice_id)
    if invoice is None:
        raise InvoiceNotFound.by_id(invoice_id)
    urls = await uow.invoices.method_urls(invoice_id)
    page = await InvoiceQueries(uow.session).rejected_candidates(
        RejectionFilters(invoice_id=invoice_id), PageRequest(limit=CANDIDATES_SHOWN)
    )
    candidates = [RejectedCandidate.model_validate(item) for item in page.items]
    refunds = await uow.refunds.for_invoice(invoice_id)
    refund_urls = await uow.refunds.urls(r.id for r in refunds)
    return admin_invoice_view(invoice, urls, candidates, refund_views(refunds, refund_urls))
