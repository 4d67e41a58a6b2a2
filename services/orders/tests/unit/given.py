"""Orders in a given state for service-layer tests, built by the domain's own rules
(`place_order`, then the named transitions), so each is an order a load could return."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from walletreports.orders.domain import (
    Actor,
    Catalog,
    Currency,
    Order,
    OrderStatus,
    PaymentReceipt,
    place_order,
)

from .fakes import FakeOrderRepository, FakeSubscriptionRepository, FakeUnitOfWork

S = OrderStatus
WALLET = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
STAFF_EMAIL = "grace@example.com"
STAFF = f"staff:{STAFF_EMAIL}"


def receipt(signature: str = "sig-1", amount_base_units: int = 150_000_000) -> PaymentReceipt:
    return PaymentReceipt(
        Currency.SOL, amount_base_units, signature=signature, invoice_id=uuid.uuid4()
    )


def report_order(
    catalog: Catalog, *, user_id: uuid.UUID, now: datetime, status: OrderStatus = S.PENDING_PAYMENT
) -> Order:
    """A wallet report placed an hour before `now`, taken to `status` the usual way."""
    placed_at = now - timedelta(hours=1)
    order = _placed(catalog, "wallet_report", WALLET, user_id=user_id, at=placed_at)
    later = placed_at + timedelta(minutes=1)
    if status is S.EXPIRED:
        order.expire(now=later)
    elif status is S.CANCELLED:
        order.cancel(by=Actor.user(user_id), reason="changed my mind", now=later)
    elif status is not S.PENDING_PAYMENT:
        order.pay(receipt=receipt("sig-paid"), now=later)
        if status is S.PROCESSING:
            order.start_processing(now=later)
        elif status is not S.PAYMENT_RECEIVED:
            order.finish(outcome=status, now=later)
    assert order.status is status
    return order


def plan_order(catalog: Catalog, *, user_id: uuid.UUID, now: datetime) -> Order:
    """The monthly plan, placed an hour before `now`, awaiting payment."""
    return _placed(
        catalog, "subscription_monthly", None, user_id=user_id, at=now - timedelta(hours=1)
    )


def unit_of_work(
    *orders: Order, subscriptions: FakeSubscriptionRepository | None = None
) -> FakeUnitOfWork:
    return FakeUnitOfWork(orders=FakeOrderRepository(*orders), subscriptions=subscriptions)


def _placed(
    catalog: Catalog, product: str, wallet: str | None, *, user_id: uuid.UUID, at: datetime
) -> Order:
    return place_order(
        catalog,
        order_id=uuid.uuid4(),
        user_id=user_id,
        product_code=product,
        wallet_address=wallet,
        subscription=None,
        now=at,
    ).order
