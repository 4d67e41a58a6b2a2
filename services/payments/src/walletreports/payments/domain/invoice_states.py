"""Invoice statuses, exception reasons, events, commitments and the one transition table.

BTCPay's lifecycle, with Solana's commitment levels as the steps of "processing":

    new --first timely transfer seen--> processing --finalized total covers--> settled
    new | processing --past expires_at (nothing left that may finalize)--> expired
    expired --late payment inside the monitoring window that covers--> settled
    processing --fork drops its last live transfer--> new
    new | processing | expired --staff mark-invalid / orders cancel--> invalid
    new | processing | expired | invalid --staff mark-settled--> settled

Why these and no others:
- settled is final: money has been accepted and the order told; a later transfer is an
  overpayment (reason `paid_over`), never a second settlement.
- invalid may still be marked settled by staff (they changed their mind on a transfer
  they had rejected); the invoice methods refuse it for an invoice orders cancelled.
- processing -> new is only the fork rollback: a confirmed transfer that vanished before
  finality was never money.

The exception reason is separate from the status (as BTCPay's "additional status"), so
an invoice can be `processing/paid_partial`, `settled/paid_over`, `expired/paid_late`.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from .invoice_errors import IllegalInvoiceTransition

__all__ = [
    "Commitment",
    "InvoiceEventName",
    "InvoiceReason",
    "InvoiceStatus",
]


class InvoiceStatus(StrEnum):
    NEW = "new"
    PROCESSING = "processing"
    SETTLED = "settled"
    EXPIRED = "expired"
    INVALID = "invalid"


class InvoiceReason(StrEnum):
    """Why an invoice is not simply paid: BTCPay's exception statuses."""

    PAID_PARTIAL = "paid_partial"
    PAID_OVER = "paid_over"
    PAID_LATE = "paid_late"
    MARKED = "marked"


class Commitment(StrEnum):
    """Solana commitment levels, weakest first; `rank` orders them."""

    PROCESSED = "processed"
    CONFIRMED = "confirmed"
    FINALIZED = "finalized"

    @property
    def rank(self) -> int:
        return _COMMITMENT_RANK[self]


_COMMITMENT_RANK: Mapping[Commitment, int] = MappingProxyType(
    {Commitment.PROCESSED: 0, Commitment.CONFIRMED: 1, Commitment.FINALIZED: 2}
)


class InvoiceEventName(StrEnum):
    """What the service must publish; the contract classes live in libs/contracts.

    `invoice.marked_settled` / `invoice.marked_invalid` have no contract class yet: the
    service decides how staff decisions reach orders (orders has its own staff mark-paid).
    """

    PAYMENT_DETECTED = "payment.detected"
    PAYMENT_CONFIRMED = "payment.confirmed"
    PAYMENT_FINALIZED = "payment.finalized"
    INVOICE_EXPIRED = "invoice.expired"
    INVOICE_PAID_LATE = "invoice.paid_late"
    INVOICE_UNDERPAID = "invoice.underpaid"
    INVOICE_OVERPAID = "invoice.overpaid"
    INVOICE_MARKED_SETTLED = "invoice.marked_settled"
    INVOICE_MARKED_INVALID = "invoice.marked_invalid"


S = InvoiceStatus

OPEN_STATUSES: frozenset[InvoiceStatus] = frozenset({S.NEW, S.PROCESSING})

ALLOWED_TRANSITIONS: Mapping[InvoiceStatus, frozenset[InvoiceStatus]] = MappingProxyType(
    {
        S.NEW: frozenset({S.PROCESSING, S.EXPIRED, S.INVALID, S.SETTLED}),
        S.PROCESSING: frozenset({S.NEW, S.SETTLED, S.EXPIRED, S.INVALID}),
        S.EXPIRED: frozenset({S.SETTLED, S.INVALID}),
        S.INVALID: frozenset({S.SETTLED}),
        S.SETTLED: frozenset(),
    }
)


def is_allowed(from_status: InvoiceStatus, to_status: InvoiceStatus) -> bool:
    return to_status in ALLOWED_TRANSITIONS[from_status]


def check_transition(
    from_status: InvoiceStatus, to_status: InvoiceStatus, why: str | None = None
) -> None:
    """Staying in the same status is not a transition (only the reason may change)."""
    if from_status is not to_status and not is_allowed(from_status, to_status):
        raise IllegalInvoiceTransition(from_status.value, to_status.value, why)
