"""The events an invoice transition publishes: the domain names them (`InvoiceChange.
events`, in order), this module builds each contract event from the invoice and the
transfer the change is about. One place, so the watcher, confirm-by-signature, the
expiry sweep and staff actions publish the same shapes.
"""

from __future__ import annotations

from typing import Any

from walletreports.contracts import Event
from walletreports.contracts.payments import (
    InvoiceExpired,
    InvoiceMarkedInvalid,
    InvoiceMarkedSettled,
    InvoiceOverpaid,
    InvoicePaidLate,
    InvoiceUnderpaid,
    PaymentConfirmed,
    PaymentDetected,
    PaymentFinalized,
)

from ..domain import Invoice, InvoiceChange, InvoiceEventName, InvoiceOutcome, Transfer

E = InvoiceEventName


def events_for(invoice: Invoice, outcome: InvoiceOutcome) -> list[Event]:
    """The contract events for `outcome` (none for a NoChange), in the domain's order."""
    if not isinstance(outcome, InvoiceChange):
        return []
    return [_event(invoice, outcome, name) for name in outcome.events]


def _event(invoice: Invoice, change: InvoiceChange, name: InvoiceEventName) -> Event:
    ids: dict[str, Any] = {
        "invoice_id": invoice.id,
        "order_id": invoice.order_id,
        "correlation_id": str(invoice.order_id),
    }
    if name is E.INVOICE_EXPIRED:
        return InvoiceExpired(**ids)
    if name in (E.INVOICE_MARKED_SETTLED, E.INVOICE_MARKED_INVALID):
        decision = invoice.history[-1]  # the staff action's own entry (by, why)
        kind = InvoiceMarkedSettled if name is E.INVOICE_MARKED_SETTLED else InvoiceMarkedInvalid
        return kind(**ids, by=decision.actor, note=decision.note)
    transfer = _transfer(change, name)
    paid: dict[str, Any] = {
        **ids,
        "signature": transfer.signature,
        "currency": transfer.currency,
        "amount_base_units": transfer.amount_base_units,
        "payer": transfer.payer,
    }
    if name is E.PAYMENT_DETECTED:
        return PaymentDetected(**paid)
    if name is E.PAYMENT_CONFIRMED:
        return PaymentConfirmed(**paid, slot=transfer.slot)
    if name is E.PAYMENT_FINALIZED:
        return PaymentFinalized(**paid, slot=transfer.slot)
    if name is E.INVOICE_PAID_LATE:
        return InvoicePaidLate(**paid)
    method = invoice.method(transfer.currency)
    expected = method.amount_base_units if method is not None else transfer.amount_base_units
    if name is E.INVOICE_UNDERPAID:
        return InvoiceUnderpaid(**paid, expected_base_units=expected)
    if name is E.INVOICE_OVERPAID:
        return InvoiceOverpaid(**paid, expected_base_units=expected)
    raise AssertionError(f"no contract event for {name}")  # a new InvoiceEventName


def _transfer(change: InvoiceChange, name: InvoiceEventName) -> Transfer:
    if change.transfer is None:
        raise AssertionError(f"{name} is about a transfer and the change carries none")
    return change.transfer
