"""The response models built from the domain invoice and the URLs it promised."""

from __future__ import annotations

from ...domain import Currency, Invoice, format_amount
from .responses import Invoice as InvoiceAnswer
from .responses import Method, TransferSeen


def qr_path(invoice: Invoice, currency: str) -> str:
    return f"/v1/invoices/{invoice.id}/methods/{currency}/qr.svg"


def invoice_view(invoice: Invoice, urls: dict[str, str]) -> InvoiceAnswer:
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
        refunds=[],
    )
