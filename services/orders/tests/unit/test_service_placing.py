"""placing.place against the fake unit of work: what a new order stores and announces."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from walletreports.contracts.orders import OrderCreated, OrderPaid, OrderStatusChanged
from walletreports.orders.domain import (
    Catalog,
    InvalidWalletAddress,
    OrderStatus,
    PaidVia,
    Subscription,
    UnknownProduct,
)
from walletreports.orders.service_layer.errors import IntakePaused
from walletreports.orders.service_layer.placing import PlaceOrder, place
from walletreports.orders.service_layer.ports import IntakeState

from .fakes import FakeIntake, FakeSubscriptionRepository, FakeUnitOfWork
from .given import WALLET

S = OrderStatus


def _command(user_id: uuid.UUID, product: str = "wallet_report", wallet: str | None = WALLET):
    return PlaceOrder(
        user_id=user_id, user_email="ada@example.com", product=product, wallet_address=wallet
    )


async def test_a_report_is_stored_unpaid_and_announced_once(
    catalog: Catalog, user_id: uuid.UUID, now: datetime
):
    uow = FakeUnitOfWork()
    async with uow:
        order_id = await place(uow, catalog, _command(user_id), now=now)

    assert uow.committed
    order = uow.orders.stored(order_id)
    assert (order.status, order.user_id, order.wallet_address) == (
        S.PENDING_PAYMENT,
        user_id,
        WALLET,
    )
    assert order.plan is None
    placement = uow.orders.placements[order_id]
    assert placement.price.price_usd == Decimal("25.00") and placement.price.payment_required
    assert (placement.user_email, placement.placed_by) == ("ada@example.com", f"user:{user_id}")

    assert uow.subjects == ["orders.order.created.v1"]
    [created] = uow.emitted(OrderCreated)
    assert created.order_id == order_id and created.correlation_id == str(order_id)
    assert (created.price_usd, created.payment_required) == (Decimal("25.00"), True)
    assert created.wallet_address == WALLET and created.occurred_at == now
    # A report takes the user's plan row locked: two orders must not share the last report.
    assert uow.subscriptions.locked_users == [user_id]
    assert uow.subscriptions.saves == []


async def test_a_report_the_plan_covers_is_paid_at_once_and_uses_one_report(
    catalog: Catalog, user_id: uuid.UUID, now: datetime, subscription: Subscription
):
    uow = FakeUnitOfWork(subscriptions=FakeSubscriptionRepository(subscription))
    order_id = await place(uow, catalog, _command(user_id), now=now)

    order = uow.orders.stored(order_id)
    assert order.status is S.PAYMENT_RECEIVED and order.paid_via is PaidVia.SUBSCRIPTION
    assert order.covered_by_subscription_id == subscription.id
    [used] = uow.subscriptions.saves
    assert used.id == subscription.id and used.reports_used == subscription.reports_used + 1

    assert uow.subjects == [
        "orders.order.created.v1",
        "orders.order.paid.v1",
        "orders.order.status_changed.v1",
    ]
    [created] = uow.emitted(OrderCreated)
    assert (created.price_usd, created.payment_required) == (Decimal("0.00"), False)
    [paid] = uow.emitted(OrderPaid)
    assert paid.paid_via == "subscription" and paid.order_id == order_id
    [changed] = uow.emitted(OrderStatusChanged)
    assert (changed.from_status, changed.to_status) == ("pending_payment", "payment_received")


async def test_a_plan_order_carries_the_terms_it_was_sold_with(
    catalog: Catalog, user_id: uuid.UUID, now: datetime
):
    uow = FakeUnitOfWork()
    order_id = await place(
        uow, catalog, _command(user_id, "subscription_monthly", wallet=None), now=now
    )

    order = uow.orders.stored(order_id)
    assert order.plan == catalog.plan("subscription_monthly")
    assert order.wallet_address is None and order.status is S.PENDING_PAYMENT
    assert uow.subjects == ["orders.order.created.v1"]
    assert uow.subscriptions.locked_users == []  # buying a plan uses no report


async def test_paused_intake_refuses_before_storing_or_announcing_anything(
    catalog: Catalog, user_id: uuid.UUID, now: datetime
):
    paused = IntakeState(paused=True, reason="daily budget reached", as_of=now)
    uow = FakeUnitOfWork(intake=FakeIntake(paused))

    with pytest.raises(IntakePaused) as refused:
        async with uow:
            await place(uow, catalog, _command(user_id), now=now)

    assert refused.value.reason == "daily budget reached"
    assert uow.orders.ids == [] and uow.events == []
    assert not uow.committed and uow.rolled_back


@pytest.mark.parametrize(
    ("command", "error"),
    [
        (dict(wallet="0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"), InvalidWalletAddress),
        (dict(wallet=None), InvalidWalletAddress),
        (dict(product="wallet_report_deluxe"), UnknownProduct),
    ],
)
async def test_a_bad_request_stores_nothing(
    catalog: Catalog,
    user_id: uuid.UUID,
    now: datetime,
    command: dict[str, Any],
    error: type[Exception],
):
    uow = FakeUnitOfWork()
    with pytest.raises(error):
        await place(uow, catalog, _command(user_id, **command), now=now)
    assert uow.orders.ids == [] and uow.events == [] and uow.subscriptions.saves == []
