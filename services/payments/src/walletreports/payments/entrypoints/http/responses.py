"""What the payments API answers, as OpenAPI models: web and the staff console are
clients of these.

Spelling, as everywhere in the API: USD as decimal strings ("25.00", never a float),
amounts both as base units (integers, what the chain counts) and in user units as the
Solana Pay URL writes them ("25", "0.000001"), ids as UUIDs, times in ISO 8601.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from ...domain import (
    Arrival,
    Commitment,
    Currency,
    InvoiceReason,
    InvoiceStatus,
    RefundReason,
    RefundStatus,
)

Usd = Annotated[
    Decimal,
    WithJsonSchema(
        {"type": "string", "format": "decimal", "examples": ["25.00"]}, mode="serialization"
    ),
]
Time = Annotated[
    datetime,
    PlainSerializer(datetime.isoformat, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
]


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Method(_Answer):
    """One way to pay: exactly this amount of this currency, by this URL or its QR code."""

    currency: Currency
    mint: str | None = Field(description="the SPL token mint; null for native SOL")
    decimals: int
    amount: str = Field(description='user units as in the URL, e.g. "25" or "0.5"')
    amount_base_units: int = Field(description="USDC/USDT: 6 decimals; SOL: lamports")
    url: str = Field(description="the Solana Pay transfer request (solana:...)")
    qr_svg_url: str = Field(description="path of this URL's QR code as SVG")


class TransferSeen(_Answer):
    """A validated on-chain transfer to the invoice's reference."""

    signature: str
    currency: Currency
    amount_base_units: int
    payer: str | None
    slot: int
    commitment: Commitment
    first_seen_at: Time
    arrival: Arrival = Field(description="timely, late, after_window, after_close, ...")


class RefundView(_Answer):
    """Money sent back to the payer: a Solana Pay URL from the merchant's wallet for staff
    to sign (the service never holds the merchant's key), sent once the watcher sees it."""

    refund_id: uuid.UUID
    invoice_id: uuid.UUID
    order_id: uuid.UUID
    status: RefundStatus = Field(description="requested, then sent or cancelled (both final)")
    reason: RefundReason
    currency: Currency
    amount_base_units: int = Field(description="what the URL asks, in base units")
    amount: str = Field(description='user units as in the URL, e.g. "5" or "0.5"')
    recipient: str = Field(description="the wallet that paid the invoice")
    reference: str = Field(description="the refund's own key, which its transaction carries")
    url: str = Field(description="the Solana Pay transfer request staff sign (solana:...)")
    qr_svg_url: str = Field(description="path of this URL's QR code as SVG")
    note: str
    requested_at: Time
    requested_by: str = Field(description='"staff:<email>" or "system"')
    signature: str | None = Field(description="the transaction that sent it, once sent")
    sent_at: Time | None
    sent_amount_base_units: int | None = Field(description="what left, once sent")
    cancelled_by: str | None
    cancelled_at: Time | None
    cancel_note: str | None


class Invoice(_Answer):
    invoice_id: uuid.UUID
    order_id: uuid.UUID
    status: InvoiceStatus
    reason: InvoiceReason | None = Field(description="paid_partial, paid_over, paid_late, marked")
    reference: str = Field(description="the base58 key every paying transfer must carry")
    price_usd: Usd
    created_at: Time
    expires_at: Time
    monitoring_until: Time = Field(description="late money is still watched for until then")
    methods: list[Method]
    sol_withdrawn_reason: str | None = Field(description="why SOL is not offered, if it is not")
    transfers: list[TransferSeen] = Field(description="oldest first")
    refunds: list[RefundView] = Field(description="oldest first, cancelled ones too")
