"""Events produced by the orders service."""

from __future__ import annotations

import uuid
from typing import Literal

from .base import AwareDatetime, Event
from .money import Usd

OrderStatus = Literal[
    "pending_payment",
    "payment_received",
    "processing",
    "completed",
    "partial_complete",
    "failed",
    "expired",
    "cancelled",
]


class OrderCreated(Event):
    """An order exists. Payments opens an invoice for it when `payment_required`.

    The price is in USD only: for SOL, payments locks its own quote at invoice time.
    """

    subject = "orders.order.created.v1"

    order_id: uuid.UUID
    user_id: uuid.UUID
    product: str
    wallet_address: str | None
    price_usd: Usd
    payment_required: bool
    description: str


class OrderPaid(Event):
    """Work for the order may start. `paid_via` says why it counts as paid."""

    subject = "orders.order.paid.v1"

    order_id: uuid.UUID
    user_id: uuid.UUID
    product: str
    wallet_address: str | None
    paid_via: Literal["payment", "subscription", "staff"]


class OrderExpired(Event):
    subject = "orders.order.expired.v1"

    order_id: uuid.UUID
    user_id: uuid.UUID


class OrderCancelled(Event):
    subject = "orders.order.cancelled.v1"

    order_id: uuid.UUID
    user_id: uuid.UUID
    reason: str


class OrderStatusChanged(Event):
    subject = "orders.order.status_changed.v1"

    order_id: uuid.UUID
    user_id: uuid.UUID
    from_status: OrderStatus
    to_status: OrderStatus
    reason: str


class SubscriptionActivated(Event):
    subject = "orders.subscription.activated.v1"

    subscription_id: uuid.UUID
    user_id: uuid.UUID
    plan: str
    starts_at: AwareDatetime
    expires_at: AwareDatetime
    reports_included: int


class SubscriptionExpired(Event):
    subject = "orders.subscription.expired.v1"

    subscription_id: uuid.UUID
    user_id: uuid.UUID
    plan: str
    expired_at: AwareDatetime
