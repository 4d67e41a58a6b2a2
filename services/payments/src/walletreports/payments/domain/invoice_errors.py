"""Errors the invoice aggregate raises, each with a stable `code` for API clients.

Kinds from the kit's one error family: InvalidInput -> 422 (the request or the observed
transfer is wrong for this invoice), Conflict -> 409 (the invoice is not in a state that
allows it). An event handler treats any of them as refused for good.
"""

from __future__ import annotations

from walletreports.kit.errors import Conflict, InvalidInput

__all__ = [
    "CurrencyNotAccepted",
    "IllegalInvoiceTransition",
    "InvalidStaffAction",
    "InvoiceCancelled",
    "TransferFinalized",
    "TransferMismatch",
]


class IllegalInvoiceTransition(Conflict):
    """E.g. staff marking a settled invoice invalid: the money was already accepted."""

    code = "illegal_invoice_transition"

    def __init__(self, from_status: str, to_status: str, why: str | None = None) -> None:
        message = f"invoice cannot go from {from_status} to {to_status}"
        if why:
            message = f"{message}: {why}"
        super().__init__(message, field="status")
        self.from_status = from_status
        self.to_status = to_status


class InvoiceCancelled(Conflict):
    """Orders cancelled the order: staff may refund its late money, not accept it."""

    code = "invoice_cancelled"


class TransferFinalized(Conflict):
    """A finalized transfer cannot be rolled back by a fork."""

    code = "transfer_finalized"


class TransferMismatch(Conflict):
    """One signature names one transfer; a second report with other facts is a lie."""

    code = "transfer_mismatch"


class CurrencyNotAccepted(InvalidInput):
    """The invoice offers no such method (e.g. SOL withdrawn for a stale quote)."""

    code = "currency_not_accepted"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="currency")


class InvalidStaffAction(InvalidInput):
    """A staff action without an actor or a reason for the history."""

    code = "invalid_staff_action"
