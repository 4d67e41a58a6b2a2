"""Events produced by the payments service. Amounts are integers in base units."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from .base import AwareDatetime, Event
from .money import BaseUnits, Currency, Usd

# A Solana transaction signature: 64 bytes in base58. An empty or made-up one would pass
# as "no signature" in some places and as a real one in others.
TransactionSignature = Annotated[str, Field(pattern=r"^[1-9A-HJ-NP-Za-km-z]{64,88}$")]


class PaymentMethodQuote(BaseModel):
    """One way to pay an invoice: a currency, its exact amount, its Solana Pay URL."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    currency: Currency
    mint: str | None  # None for native SOL
    decimals: int
    amount_base_units: BaseUnits
    url: str


class InvoiceCreated(Event):
    subject = "payments.invoice.created.v1"

    invoice_id: uuid.UUID
    order_id: uuid.UUID
    reference: str
    price_usd: Usd
    expires_at: AwareDatetime
    methods: list[PaymentMethodQuote]


class _Transfer(Event):
    """A transfer seen on chain that pays an invoice (fields shared by the stages)."""

    invoice_id: uuid.UUID
    order_id: uuid.UUID
    signature: TransactionSignature
    currency: Currency
    amount_base_units: BaseUnits
    payer: str | None = None


class PaymentDetected(_Transfer):
    """Seen on chain (processed), not final: show it to the user, start nothing."""

    subject = "payments.payment.detected.v1"


class PaymentConfirmed(_Transfer):
    subject = "payments.payment.confirmed.v1"

    slot: int


class PaymentFinalized(_Transfer):
    """Final on chain and accepted for the invoice: the order may be paid."""

    subject = "payments.payment.finalized.v1"

    slot: int


class InvoiceExpired(Event):
    subject = "payments.invoice.expired.v1"

    invoice_id: uuid.UUID
    order_id: uuid.UUID


class InvoicePaidLate(_Transfer):
    """Money arrived after expiry: it is not lost, staff decide (accept or refund)."""

    subject = "payments.invoice.paid_late.v1"


class InvoiceUnderpaid(_Transfer):
    subject = "payments.invoice.underpaid.v1"

    expected_base_units: BaseUnits


class InvoiceOverpaid(_Transfer):
    subject = "payments.invoice.overpaid.v1"

    expected_base_units: BaseUnits


class PaymentRejected(Event):
    """A transaction meant for an invoice (it carries the invoice's reference) that
    cannot pay it the way it was made: the wrong token or recipient, a changed memo,
    two invoices at once, a currency no longer taken. Money may have moved: staff look
    (refund, or settle by hand). Rejections that are no customer's doing (no invoice's
    reference, a failed transaction, an RPC answer that does not add up) publish
    nothing; every rejection stays in payments' rejected candidates."""

    subject = "payments.payment.rejected.v1"

    invoice_id: uuid.UUID
    order_id: uuid.UUID
    signature: TransactionSignature
    reason: str  # payments' rejection reason: wrong_mint, memo_mismatch, ...
    detail: str


class _StaffDecision(Event):
    """Staff decided an invoice by hand in the payments console (recorded there with
    who and why)."""

    invoice_id: uuid.UUID
    order_id: uuid.UUID
    by: str  # "staff:<email>"
    note: str


class InvoiceMarkedSettled(_StaffDecision):
    """Staff accepted the invoice as paid (a late or short payment they took): the
    order counts as paid, by staff."""

    subject = "payments.invoice.marked_settled.v1"


class InvoiceMarkedInvalid(_StaffDecision):
    """Staff rejected the invoice: no payment will settle it."""

    subject = "payments.invoice.marked_invalid.v1"


class RefundRequested(Event):
    subject = "payments.refund.requested.v1"

    refund_id: uuid.UUID
    invoice_id: uuid.UUID
    order_id: uuid.UUID
    currency: Currency
    amount_base_units: BaseUnits
    recipient: str
    reason: str


class RefundSent(Event):
    subject = "payments.refund.sent.v1"

    refund_id: uuid.UUID
    invoice_id: uuid.UUID
    order_id: uuid.UUID
    currency: Currency
    amount_base_units: BaseUnits
    recipient: str
    signature: TransactionSignature
