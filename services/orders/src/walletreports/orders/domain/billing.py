"""A user's billing view (the second seed's "get user balance info"), from their orders.

Counting rules:
- Spent, per currency, is the money the orders *took*: each paid order's `payment`
  receipt, in integer base units (USDC/USDT: 6 decimals, SOL: lamports). Payments the
  order did not take (`payment_issues`: late, after cancellation, duplicate) are listed
  with `accepted=False` and not counted: until staff accept them they are owed back.
  Once staff accept one (`mark_paid_by_staff(receipt=...)`) it is the order's payment
  and counts once.
- Spent in USD is the sum of `price_usd` over paid orders (subscription-covered orders
  are 0.00, so they add nothing).
- Refunds live in payments and are not subtracted here.
- Reports completed counts report orders in `completed`; `partial_complete` is counted
  separately because those users still wait for part of their reports.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from .money import Currency, usd
from .order import Order, PaidVia, PaymentReceipt
from .state_machine import OrderStatus
from .subscription import Subscription
from .timestamps import require_aware


@dataclass(frozen=True, slots=True)
class OrderLine:
    order_id: uuid.UUID
    product: str
    wallet_address: str | None
    status: OrderStatus
    price_usd: Decimal
    paid_via: PaidVia | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PaymentLine:
    order_id: uuid.UUID
    currency: Currency
    amount_base_units: int
    signature: str | None
    accepted: bool  # False: arrived late / twice / after cancellation; awaiting staff


@dataclass(frozen=True, slots=True)
class SubscriptionView:
    plan: str
    status: str  # "active" | "expired" as of `now`
    reports_used: int
    reports_included: int
    reports_remaining: int
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class BillingSummary:
    user_id: uuid.UUID
    orders: tuple[OrderLine, ...]
    payments: tuple[PaymentLine, ...]
    spent_base_units: dict[Currency, int]  # every currency present, 0 when unused
    spent_usd: Decimal
    reports_completed: int
    reports_partial: int
    is_subscriber: bool
    subscription: SubscriptionView | None


def billing_summary(
    *,
    user_id: uuid.UUID,
    orders: Iterable[Order],
    subscription: Subscription | None,
    now: datetime,
) -> BillingSummary:
    require_aware(now)
    ordered = sorted(orders, key=lambda o: (o.created_at, str(o.id)))
    if any(o.user_id != user_id for o in ordered):
        raise ValueError(f"billing_summary got orders of users other than {user_id}")
    if subscription is not None and subscription.user_id != user_id:
        raise ValueError(f"subscription {subscription.id} does not belong to user {user_id}")

    spent = {currency: 0 for currency in Currency}
    spent_usd = usd(0)
    payments: list[PaymentLine] = []
    for order in ordered:
        if order.is_paid:
            spent_usd += order.price_usd
        if order.payment is not None and order.is_paid:
            spent[order.payment.currency] += order.payment.amount_base_units
            payments.append(_payment_line(order, order.payment, accepted=True))
        for issue in order.payment_issues:
            if order.is_paid and issue.receipt == order.payment:
                continue  # staff accepted this very payment; it is listed above
            payments.append(_payment_line(order, issue.receipt, accepted=False))

    return BillingSummary(
        user_id=user_id,
        orders=tuple(
            OrderLine(
                order_id=o.id,
                product=o.product,
                wallet_address=o.wallet_address,
                status=o.status,
                price_usd=o.price_usd,
                paid_via=o.paid_via,
                created_at=o.created_at,
            )
            for o in ordered
        ),
        payments=tuple(payments),
        spent_base_units=spent,
        spent_usd=spent_usd,
        reports_completed=_count(ordered, OrderStatus.COMPLETED),
        reports_partial=_count(ordered, OrderStatus.PARTIAL_COMPLETE),
        is_subscriber=subscription is not None and subscription.is_active(now),
        subscription=None
        if subscription is None
        else SubscriptionView(
            plan=subscription.plan,
            status="active" if subscription.is_active(now) else "expired",
            reports_used=subscription.reports_used,
            reports_included=subscription.reports_included,
            reports_remaining=subscription.reports_remaining,
            expires_at=subscription.expires_at,
        ),
    )


def _payment_line(order: Order, receipt: PaymentReceipt, *, accepted: bool) -> PaymentLine:
    return PaymentLine(
        order_id=order.id,
        currency=receipt.currency,
        amount_base_units=receipt.amount_base_units,
        signature=receipt.signature,
        accepted=accepted,
    )


def _count(orders: list[Order], status: OrderStatus) -> int:
    return sum(1 for o in orders if o.product_kind == "report" and o.status is status)
