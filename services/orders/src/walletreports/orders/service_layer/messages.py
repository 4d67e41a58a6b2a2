"""Domain outcomes as the contract events other services consume.

Every order event carries correlation_id = the order id, so one order's story can be
followed through every service's logs.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TypedDict

from walletreports.contracts import Event
from walletreports.contracts.orders import (
    OrderCancelled,
    OrderCreated,
    OrderExpired,
    OrderPaid,
    OrderStatusChanged,
    SubscriptionActivated,
    SubscriptionExpired,
)

from ..domain import Order, OrderEventName, PlacedOrder, StatusChange, Subscription


def order_created(placed: PlacedOrder) -> OrderCreated:
    order = placed.order
    return OrderCreated(
        order_id=order.id,
        user_id=order.user_id,
        product=order.product,
        wallet_address=order.wallet_address,
        price_usd=placed.price.price_usd,
        payment_required=placed.price.payment_required,
        description=placed.description,
        occurred_at=order.created_at,
        correlation_id=str(order.id),
    )


class _OrderEventFields(TypedDict):
    """What every order event of one change carries (typed, so `**` keeps the types)."""

    order_id: uuid.UUID
    user_id: uuid.UUID
    occurred_at: datetime
    correlation_id: str


def for_change(order: Order, change: StatusChange) -> list[Event]:
    """The events a status change publishes, in the order the domain lists them."""
    common = _OrderEventFields(
        order_id=order.id,
        user_id=order.user_id,
        occurred_at=change.at,
        correlation_id=str(order.id),
    )
    events: list[Event] = []
    for name in change.events:
        if name is OrderEventName.PAID:
            assert order.paid_via is not None  # set by every transition that pays
            events.append(
                OrderPaid(
                    **common,
                    product=order.product,
                    wallet_address=order.wallet_address,
                    paid_via=order.paid_via.value,
                )
            )
        elif name is OrderEventName.EXPIRED:
            events.append(OrderExpired(**common))
        elif name is OrderEventName.CANCELLED:
            events.append(OrderCancelled(**common, reason=change.reason))
        elif name is OrderEventName.STATUS_CHANGED:
            events.append(
                OrderStatusChanged(
                    **common,
                    from_status=change.from_status.value,
                    to_status=change.to_status.value,
                    reason=change.reason,
                )
            )
        else:  # a new domain event without a contract would be lost silently
            raise ValueError(f"no contract event for {name}")
    return events


def subscription_activated(
    sub: Subscription, *, at: datetime, order_id: str
) -> SubscriptionActivated:
    return SubscriptionActivated(
        subscription_id=sub.id,
        user_id=sub.user_id,
        plan=sub.plan,
        starts_at=sub.starts_at,
        expires_at=sub.expires_at,
        reports_included=sub.reports_included,
        occurred_at=at,
        correlation_id=order_id,
    )


def subscription_expired(sub: Subscription, *, at: datetime) -> SubscriptionExpired:
    return SubscriptionExpired(
        subscription_id=sub.id,
        user_id=sub.user_id,
        plan=sub.plan,
        expired_at=sub.expires_at,
        occurred_at=at,
        correlation_id=None,  # no order to follow: it is the passing of time
    )
