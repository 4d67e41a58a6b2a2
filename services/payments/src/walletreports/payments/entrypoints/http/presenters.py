"""The response models built from the domain invoice and its refunds, and the URLs they
promised."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from ...domain import Currency, Invoice, Refund, format_amount
from .responses import Invoice as InvoiceAnswer
from .responses import Method, RefundView, TransferSeen


def qr_path(invoice: Invoice, currency: str) -> str:
    return f"/v1/invoices/{invoice.id}/methods/{currency}/qr.svg"


def refund_qr_path(refund: Refund) -> str:
    return f"/admin/api/refunds/{refund.id}/qr.svg"


def refund_view(refund: Refund, url: str) -> RefundView:
    return RefundView(
        refund_id=refund.id,
        invoice_id=refund.invoice_id,
        order_id=refund.order_id,
        status=refund.status,
        reason=refund.reason,
        currency=refund.currency,
        amount_base_units=refund.amount_base_units,
        amount=format_amount(refund.amount_base_units, refund.currency.decimals),
        recipient=refund.recipient,
        reference=refund.reference,
        url=url,
        qr_svg_url=refund_qr_path(refund),
        note=refund.note,
        requested_at=refund.requested_at,
        requested_by=refund.requested_by,
        signature=refund.signature,
        sent_at=refund.sent_at,
        sent_amount_base_units=refund.sent_amount_base_units,
        cancelled_by=refund.cancelled_by,
        cancelled_at=refund.cancelled_at,
        cancel_note=refund.cancel_note,
    )


def refund_views(refunds: Sequence[Refund], urls: Mapping[uuid.UUID, str]) -> list[RefundView]:
    """Each refund with the URL stored for it (`RefundRepository.urls`)."""
    return [refund_view(refund, urls[refund.id]) for refund in refunds]


def invoice_view(
    invoice: Invoice, urls: dict[str, str], refunds: Sequence[RefundView] = ()
) -> InvoiceAnswer:
    methods = []
    for method in invoice.methods:
        currency = Currency(method.currency)
        methods.append(
            Method(
                currency=currency,
                mint=None if currency.mint is None else str(currency.mint),
                decimals=currency.decimals,
                amount=format_amount(method.amount_base_units, currency.decimals),
                amount_base_units=method.amount_base_units,
                url=urls[method.currency],
                qr_svg_url=qr_path(invoice, method.currency),
            )
        )
    transfers = sorted(invoice.transfers.values(), key=lambda s: s.first_seen_at)
    return InvoiceAnswer(
        invoice_id=invoice.id,
        order_id=invoice.order_id,
        status=invoice.status,
        reason=invoice.reason,
        reference=invoice.reference,
        price_usd=invoice.price_usd,
        created_at=invoice.created_at,
        expires_at=invoice.expires_at,
        monitoring_until=invoice.monitoring_until,
        methods=methods,
        sol_withdrawn_reason=invoice.sol_withdrawn_reason,
        transfers=[
            TransferSeen(
                signature=s.signature,
                currency=Currency(s.transfer.currency),
                amount_base_units=s.transfer.amount_base_units,
                payer=s.transfer.payer,
                slot=s.transfer.slot,
                commitment=s.transfer.commitment,
                first_seen_at=s.first_seen_at,
                arrival=s.arrival,
            )
            for s in transfers
        ],
        refunds=list(refunds),
    )
