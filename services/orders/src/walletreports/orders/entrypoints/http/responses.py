"""What the orders API answers, as OpenAPI models: web is a client of these.

The read models (adapters.order_views) hand routes JSON-ready dicts, and FastAPI checks
each against its model before sending (a key the model lacks is a 500 in the tests, not
a silent change for web); presenters build the models from domain values. Spelling, as
everywhere in the API: USD and multipliers as decimal strings ("25.00", never a float),
base units as integers, ids as UUIDs, times in ISO 8601 as Python writes them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from ...domain import Currency, OrderStatus, PaidVia, PaymentIssueKind, SubscriptionStatus

Usd = Annotated[
    Decimal,
    WithJsonSchema(
        {"type": "string", "format": "decimal", "examples": ["25.00"]}, mode="serialization"
    ),
]
DecimalText = Annotated[
    Decimal, WithJsonSchema({"type": "string", "format": "decimal"}, mode="serialization")
]
# `isoformat()`, as the API always wrote times ("+00:00", not pydantic's "Z").
Time = Annotated[
    datetime,
    PlainSerializer(datetime.isoformat, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
]
ProductKind = Literal["report", "subscription"]


class _Answer(BaseModel):
    # A key the model does not know is an error, not dropped: the docs stay exact.
    model_config = ConfigDict(extra="forbid")


# --- orders -----------------------------------------------------------------------


class Price(_Answer):
    list_price_usd: Usd
    discount_usd: Usd
    price_usd: Usd
    note: str = Field(description='how it was priced: "list price", a subscription discount, ...')


class Payment(_Answer):
    """The payment the order took."""

    currency: Currency
    amount_base_units: int = Field(description="USDC/USDT: 6 decimals; SOL: lamports")
    signature: str | None
    invoice_id: uuid.UUID | None


class HistoryEntry(_Answer):
    from_status: OrderStatus | None
    to_status: OrderStatus
    reason: str
    actor: str = Field(description='"system", "staff:<email>" or "user:<id>"')
    at: Time


class PaymentIssue(_Answer):
    """A payment the order did not take (late, after cancellation, twice), for staff."""

    id: int = Field(description="`payment_issue_id` for mark-paid, to accept this payment")
    kind: PaymentIssueKind
    order_status: OrderStatus
    currency: Currency
    amount_base_units: int
    signature: str | None
    invoice_id: uuid.UUID | None
    message: str
    at: Time


class OrderSummary(_Answer):
    id: uuid.UUID
    user_id: uuid.UUID
    user_email: str
    product: str
    product_kind: ProductKind
    wallet_address: str | None = Field(description="EIP-55 checksummed; null for plan orders")
    status: OrderStatus
    price: Price
    payment_required: bool
    paid_via: PaidVia | None
    covered_by_subscription_id: uuid.UUID | None
    payment: Payment | None
    created_at: Time
    payment_due_by: Time
    updated_at: Time


class OrderDetail(OrderSummary):
    """The order with its whole history and any payment it did not take."""

    history: list[HistoryEntry]
    payment_issues: list[PaymentIssue]


class OrdersPage(_Answer):
    items: list[OrderSummary] = Field(description="newest first")
    total: int = Field(description="orders matching, over all pages")
    limit: int
    offset: int


# --- a user's billing -------------------------------------------------------------


class BillingSubscription(_Answer):
    plan: str
    status: SubscriptionStatus
    reports_used: int
    reports_included: int
    reports_remaining: int
    expires_at: Time


class BillingOrder(_Answer):
    order_id: uuid.UUID
    product: str
    wallet_address: str | None
    status: OrderStatus
    price_usd: Usd
    paid_via: PaidVia | None
    created_at: Time


class BillingPayment(_Answer):
    order_id: uuid.UUID
    currency: Currency
    amount_base_units: int
    signature: str | None
    accepted: bool = Field(description="false: late, twice or after cancellation; owed back")


class Billing(_Answer):
    user_id: uuid.UUID
    is_subscriber: bool
    spent_usd: Usd
    spent_base_units: dict[Currency, int] = Field(description="every currency, 0 when unused")
    total_payments: int = Field(description="payments the orders took")
    reports_completed: int
    reports_partial: int
    subscription: BillingSubscription | None
    orders: list[BillingOrder]
    payments: list[BillingPayment]


# --- catalog and the audit-fee calculator ------------------------------------------


class CatalogReport(_Answer):
    code: str
    kind: Literal["report"]
    name: str
    price_usd: Usd


class CatalogPlan(_Answer):
    code: str
    kind: Literal["subscription"]
    name: str
    price_usd: Usd
    duration_days: int
    reports_included: int
    report_discount_percent: int = Field(description="off a report once the included are used")


class CatalogView(_Answer):
    products: list[Annotated[CatalogReport | CatalogPlan, Field(discriminator="kind")]]
    payment_window_minutes: int


class AuditFeeQuote(_Answer):
    """The second seed's SOL audit fee; all amounts in lamports."""

    tokens_used: int
    risk_score: int
    is_subscriber: bool
    base_lamports: int
    usage_lamports: int
    risk_multiplier: DecimalText
    fee_before_discount_lamports: int
    discount_percent: int
    discount_lamports: int
    total_lamports: int = Field(description="what to charge")
    total_sol: DecimalText = Field(description="display only; charge total_lamports")


# --- staff console ------------------------------------------------------------------


class StaffActionResult(_Answer):
    changed: bool = Field(description="false: the order was already past this action")
    order: OrderDetail = Field(description="the order as it now is")


class SubscriptionEntry(_Answer):
    id: uuid.UUID
    user_id: uuid.UUID
    plan: str
    status: SubscriptionStatus
    starts_at: Time
    expires_at: Time
    reports_included: int
    reports_used: int
    report_discount_percent: int


class SubscriptionsPage(_Answer):
    items: list[SubscriptionEntry] = Field(description="latest expiry first")
    total: int
    limit: int
    offset: int


class Intake(_Answer):
    """Whether new orders are taken (dune_runner pauses intake when its budget is reached)."""

    paused: bool
    reason: str
    as_of: Time
