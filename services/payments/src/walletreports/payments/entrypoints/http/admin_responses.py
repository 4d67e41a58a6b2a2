"""What the staff console's routes (/admin/api) and the user's payment history
(/v1/users/{user_id}/payments) answer, as OpenAPI models.

Spelled as the rest of the payments API (responses.py): USD as decimal strings, amounts
in base units and in user units, ids as UUIDs, times in ISO 8601. The read models
(adapters.invoice_queries) hand routes dicts, checked against these before sending.
"""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from ...domain import Currency, InvoiceReason, InvoiceStatus, ReviewKind
from .responses import Invoice, Time, Usd


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Amount(_Answer):
    currency: Currency
    amount_base_units: int = Field(description="USDC/USDT: 6 decimals; SOL: lamports")
    amount: str = Field(description='user units, e.g. "25" or "0.166666667"')


class _Page(_Answer):
    total: int = Field(description="items matching, over all pages")
    limit: int
    offset: int


# --- the console's invoice list ---------------------------------------------------


class InvoiceSummary(_Answer):
    invoice_id: uuid.UUID
    order_id: uuid.UUID
    user_id: uuid.UUID | None = Field(description="null only for invoices older than the column")
    status: InvoiceStatus
    reason: InvoiceReason | None
    price_usd: Usd
    currencies_offered: list[Currency]
    paid: list[Amount] = Field(description="finalized money per currency, late money included")
    created_at: Time
    expires_at: Time
    last_signature: str | None = Field(description="the transfer seen last, if any")


class InvoicesPage(_Page):
    items: list[InvoiceSummary] = Field(description="newest first")


# --- one invoice, as staff see it -------------------------------------------------


class HistoryEntry(_Answer):
    """A status and/or reason change, by whom ("system", "staff:<email>") and why."""

    from_status: InvoiceStatus
    to_status: InvoiceStatus
    from_reason: InvoiceReason | None
    to_reason: InvoiceReason | None
    actor: str
    note: str
    at: Time


class StaffReviewEntry(_Answer):
    """Final money the invoice did not take: staff accept it (mark settled) or refund it."""

    kind: ReviewKind
    signature: str
    currency: Currency
    amount_base_units: int
    payer: str | None
    message: str
    at: Time


class RejectedCandidate(_Answer):
    """A transaction that did not pay an invoice, and why (a stable code)."""

    id: int
    signature: str
    invoice_id: uuid.UUID | None = Field(description="the invoice whose reference it carried")
    reference: str | None
    reason: str = Field(description="a stable code, e.g. wrong_mint, amount_mismatch")
    detail: str
    at: Time


class RejectedCandidatesPage(_Page):
    items: list[RejectedCandidate] = Field(description="newest first")


class AdminInvoice(Invoice):
    """The invoice as web reads it, and what staff need to decide about it."""

    user_id: uuid.UUID | None
    cancelled_at: Time | None = Field(description="when orders cancelled the order, if it did")
    history: list[HistoryEntry] = Field(description="oldest first")
    staff_reviews: list[StaffReviewEntry] = Field(description="oldest first")
    rejected_candidates: list[RejectedCandidate] = Field(description="newest first, at most 100")


class StaffDecisionResult(_Answer):
    changed: bool = Field(description="false: the invoice already had this decision")
    invoice: AdminInvoice = Field(description="the invoice as it now is")


# --- a user's payment history -----------------------------------------------------


class PaymentHistoryEntry(_Answer):
    invoice_id: uuid.UUID
    order_id: uuid.UUID
    status: InvoiceStatus
    reason: InvoiceReason | None
    price_usd: Usd
    paid: list[Amount] = Field(description="finalized money per currency")
    signatures: list[str] = Field(description="every transfer seen, oldest first")
    created_at: Time
    expires_at: Time
    settled_at: Time | None = Field(description="when the invoice settled, if it did")


class PaymentHistoryPage(_Page):
    items: list[PaymentHistoryEntry] = Field(description="newest first")
