"""Opening an invoice for a new order, and closing it when orders cancels the order.

Idempotent per order: a second `order.created` for an order that has an invoice (a
replay under a new event id) changes nothing; the UNIQUE order_id makes a race between
two replicas fail in the database rather than open two invoices.

SOL is priced by a quote passed in (`sol_quote`: the quote board's, judged when the event
is handled), locked on the invoice; without one SOL is withdrawn with the reason the
caller gives. USDC and USDT are always offered at 1:1. Every URL carries the invoice's
reference and memo (method_urls.py).
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from decimal import Decimal

from solders.pubkey import Pubkey

from walletreports.contracts.payments import InvoiceCreated

from ..domain import InvoiceOutcome, SolQuote, open_invoice
from .method_urls import method_quote, transfer_url
from .ports import PaymentsUnitOfWorkPort
from .terms import InvoiceTerms

NO_RATE_SOURCE = "no rate source configured"


def new_reference() -> str:
    """A fresh 32-byte key from the OS's CSPRNG: the watcher finds the payment by it, so
    it must be unguessable and never reused."""
    return str(Pubkey(secrets.token_bytes(32)))


async def open_for_order(
    uow: PaymentsUnitOfWorkPort,
    *,
    order_id: uuid.UUID,
    user_id: uuid.UUID | None,
    price_usd: Decimal,
    payment_required: bool,
    description: str,
    now: datetime,
    terms: InvoiceTerms,
    sol_quote: SolQuote | None = None,
    sol_unavailable_reason: str = NO_RATE_SOURCE,
) -> InvoiceCreated | None:
    """The new invoice's event, or None when the order needs none or already has one."""
    if not payment_required or await uow.invoices.for_order(order_id) is not None:
        return None
    invoice = open_invoice(
        invoice_id=uuid.uuid4(),
        order_id=order_id,
        user_id=user_id,
        reference=new_reference(),
        price_usd=price_usd,
        now=now,
        sol_quote=sol_quote,
        sol_withdrawn_reason=None if sol_quote is not None else sol_unavailable_reason,
        expiry=terms.expiry,
        monitoring_window=terms.monitoring_window,
        tolerance_percent=terms.tolerance_percent,
    )
    urls: dict[str, str] = {
        m.currency: transfer_url(invoice, m, terms, description) for m in invoice.methods
    }
    await uow.invoices.add(invoice, urls=urls)
    created = InvoiceCreated(
        invoice_id=invoice.id,
        order_id=order_id,
        reference=invoice.reference,
        price_usd=price_usd,
        expires_at=invoice.expires_at,
        methods=[method_quote(m, urls[m.currency]) for m in invoice.methods],
        correlation_id=str(order_id),
    )
    await uow.emit(created)
    return created


async def close_for_cancelled_order(
    uow: PaymentsUnitOfWorkPort, *, order_id: uuid.UUID, now: datetime
) -> InvoiceOutcome | None:
    """The invoice goes invalid; None when the order never had one (nothing was owed)."""
    invoice = await uow.invoices.for_order(order_id, lock=True)
    if invoice is None:
        return None
    outcome = invoice.cancel(now=now)
    # Saved even for a NoChange: an invoice already invalid still records the cancel.
    await uow.invoices.save(invoice, now=now)
    return outcome
