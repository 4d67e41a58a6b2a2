"""subscriptions.* against the fake unit of work: plans activated and plans run out."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta

from walletreports.contracts.orders import SubscriptionExpired
from walletreports.orders.domain import Catalog, OrderStatus, Subscription, SubscriptionStatus
from walletreports.orders.service_layer import subscriptions

from .fakes import FakeSubscriptionRepository, FakeUnitOfWork
from .given import report_order, unit_of_work

S = OrderStatus


async def test_a_paid_report_has_no_plan_to_fulfil(
    catalog: Catalog, user_id: uuid.UUID, now: datetime
):
    order = report_order(catalog, user_id=user_id, now=now, status=S.PAYMENT_RECEIVED)
    uow = unit_of_work(order)

    await subscriptions.fulfil_if_plan(uow, order, now=now)

    assert order.status is S.PAYMENT_RECEIVED
    assert uow.orders.saves == [] and uow.subscriptions.saves == [] and uow.events == []


def _due(subscription: Subscription, days_ago: int, now: datetime) -> Subscription:
    return replace(
        subscription,
        id=uuid.uuid4(),
        user_id=uuid.uuid4(),
        expires_at=now - timedelta(days=days_ago),
    )


async def test_expire_due_ends_only_the_plans_whose_time_is_up(
    now: datetime, subscription: Subscription
):
    due = [_due(subscription, days, now) for days in (3, 1)]
    running = subscription  # bought at `now`, runs 30 days
    ended = replace(_due(subscription, 5, now), status=SubscriptionStatus.EXPIRED)
    uow = FakeUnitOfWork(subscriptions=FakeSubscriptionRepository(*due, running, ended))

    async with uow:
        count = await subscriptions.expire_due(uow, now=now)

    assert uow.committed and count == 2
    assert [s.id for s in uow.subscriptions.saves] == [s.id for s in due]  # oldest first
    assert all(s.status is SubscriptionStatus.EXPIRED for s in uow.subscriptions.saves)
    expired = uow.emitted(SubscriptionExpired)
    assert [(e.subscription_id, e.expired_at) for e in expired] == [
        (s.id, s.expires_at) for s in due
    ]
    assert all(e.correlation_id is None and e.occurred_at == now for e in expired)
    assert uow.subjects == ["orders.subscription.expired.v1"] * 2


async def test_expire_due_takes_at_most_one_batch(now: datetime, subscription: Subscription):
    due = [_due(subscription, days, now) for days in (1, 2, 3)]
    uow = FakeUnitOfWork(subscriptions=FakeSubscriptionRepository(*due))

    assert await subscriptions.expire_due(uow, now=now, limit=2) == 2
    assert len(uow.events) == 2
    assert await subscriptions.expire_due(uow, now=now, limit=2) == 1
    assert await subscriptions.expire_due(uow, now=now, limit=2) == 0
    assert len(uow.events) == 3  # each plan announced once


async def test_nothing_due_announces_nothing(now: datetime, subscription: Subscription):
    uow = FakeUnitOfWork(subscriptions=FakeSubscriptionRepository(subscription))
    assert await subscriptions.expire_due(uow, now=now) == 0
    assert uow.subscriptions.saves == [] and uow.events == []
