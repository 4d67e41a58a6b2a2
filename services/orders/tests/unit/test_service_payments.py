"""payments.* against the fake unit of work: money final, money late, invoices expired."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from walletreports.contracts.orders import (
    OrderExpired,
    OrderPaid,
    OrderStatusChanged,
    SubscriptionActivated,
    SubscriptionExpired,
)
from walletreports.orders.domain import (
    AlreadyPast,
    Catalog,
    OrderStatus,
    PaidVia,
    PaymentIssueKind,
    PaymentNeedsReview,
    StatusChange,
    Subscription,
    SubscriptionStatus,
)
from walletreports.orders.service_layer import payments
from walletreports.orders.service_layer.errors import OrderNotFound

from .fakes import FakeSubscriptionRepository, Load
from .given import WALLET, plan_order, receipt, report_order, unit_of_work

S = OrderStatus


async def test_a_final_payment_pays_the_order_and_announces_it(
    catalog: Catalog, user_id: uuid.UUID, now: datetime
):
    order = report_order(catalog, user_id=user_id, now=now)
    uow = unit_of_work(order)
    money = receipt("sig-final")

    outcome = await payments.payment_finalized(uow, order_id=order.id, receipt=money, now=now)

    assert isinstance(outcome, StatusChange) and outcome.to_status is S.PAYMENT_RECEIVED
    stored = uow.orders.stored(order.id)
    assert (stored.status, stored.paid_via, stored.payment) == (
        S.PAYMENT_RECEIVED,
        PaidVia.PAYMENT,
        money,
    )
    assert uow.orders.loads == [Load(order.id, lock=True)]  # locked, and read once
    assert uow.subjects == ["orders.order.paid.v1", "orders.order.status_changed.v1"]
    [paid] = uow.emitted(OrderPaid)
    assert (paid.order_id, paid.user_id, paid.paid_via) == (order.id, user_id, "payment")
    assert (paid.product, paid.wallet_address, paid.occurred_at) == ("wallet_report", WALLET, now)
    [changed] = uow.emitted(OrderStatusChanged)
    assert (changed.from_status, changed.to_status) == ("pending_payment", "payment_received")
    assert uow.subscriptions.saves == []  # a report activates nothing


async def test_paying_for_a_plan_starts_the_subscription_and_completes_the_order(
    catalog: Catalog, user_id: uuid.UUID, now: datetime
):
    order = plan_order(catalog, user_id=user_id, now=now)
    uow = unit_of_work(order)

    await payments.payment_finalized(uow, order_id=order.id, receipt=receipt(), now=now)

    plan = catalog.plan("subscription_monthly")
    [sub] = uow.subscriptions.of_user(user_id)
    assert (sub.plan, sub.starts_at, sub.expires_at) == (
        plan.code,
        now,
        now + timedelta(days=plan.duration_days),
    )
    assert (sub.reports_included, sub.reports_used) == (plan.reports_included, 0)
    assert uow.orders.stored(order.id).status is S.COMPLETED
    assert uow.subjects == [
        "orders.order.paid.v1",
        "orders.order.status_changed.v1",
        "orders.subscription.activated.v1",
        "orders.order.status_changed.v1",
    ]
    [activated] = uow.emitted(SubscriptionActivated)
    assert activated.subscription_id == sub.id and activated.correlation_id == str(order.id)
    completed = uow.emitted(OrderStatusChanged)[-1]
    assert (completed.to_status, completed.reason) == ("completed", "subscription activated")
    # The plan terms came with the order: its rows are read once, for the lock.
    assert uow.orders.loads == [Load(order.id, lock=True)]
    assert uow.subscriptions.locked_users == [user_id]


async def test_paying_for_a_plan_while_one_is_active_extends_it(
    catalog: Catalog, user_id: uuid.UUID, now: datetime, subscription: Subscription
):
    order = plan_order(catalog, user_id=user_id, now=now)
    uow = unit_of_work(order, subscriptions=FakeSubscriptionRepository(subscription))

    await payments.payment_finalized(uow, order_id=order.id, receipt=receipt(), now=now)

    [extended] = uow.subscriptions.of_user(user_id)
    assert extended.id == subscription.id
    assert extended.expires_at == subscription.expires_at + timedelta(days=30)
    assert extended.reports_included == 2 * subscription.reports_included
    assert uow.emitted(OrderStatusChanged)[-1].reason == "subscription extended"


async def test_a_plan_whose_time_is_up_is_ended_before_a_fresh_one_starts(
    catalog: Catalog, user_id: uuid.UUID, now: datetime, subscription: Subscription
):
    later = subscription.expires_at + timedelta(days=1)  # still 'active' in the table
    order = plan_order(catalog, user_id=user_id, now=later)
    uow = unit_of_work(order, subscriptions=FakeSubscriptionRepository(subscription))

    await payments.payment_finalized(uow, order_id=order.id, receipt=receipt(), now=later)

    subs = {s.id: s for s in uow.subscriptions.of_user(user_id)}
    assert subs.pop(subscription.id).status is SubscriptionStatus.EXPIRED
    [fresh] = subs.values()
    assert fresh.status is SubscriptionStatus.ACTIVE and fresh.starts_at == later
    [expired] = uow.emitted(SubscriptionExpired)
    assert expired.subscription_id == subscription.id
    assert uow.subjects.index("orders.subscription.expired.v1") < uow.subjects.index(
        "orders.subscription.activated.v1"
    )


async def test_money_for_an_expired_order_goes_to_staff_without_an_event(
    catalog: Catalog, user_id: uuid.UUID, now: datetime
):
    order = report_order(catalog, user_id=user_id, now=now, status=S.EXPIRED)
    uow = unit_of_work(order)
    money = receipt("sig-after-expiry")

    outcome = await payments.payment_finalized(uow, order_id=order.id, receipt=money, now=now)

    assert isinstance(outcome, PaymentNeedsReview)
    assert outcome.kind is PaymentIssueKind.PAID_AFTER_EXPIRY
    stored = uow.orders.stored(order.id)
    assert stored.status is S.EXPIRED and stored.payment is None
    [issue] = stored.payment_issues
    assert (issue.receipt, issue.at) == (money, now)
    assert issue.id is not None and stored.payment_issue(issue.id) == issue
    assert uow.orders.saves == [order.id] and uow.events == []


async def test_the_same_transfer_reported_again_changes_nothing(
    catalog: Catalog, user_id: uuid.UUID, now: datetime
):
    order = report_order(catalog, user_id=user_id, now=now, status=S.PAYMENT_RECEIVED)
    uow = unit_of_work(order)
    again = order.payment
    assert again is not None

    outcome = await payments.payment_finalized(uow, order_id=order.id, receipt=again, now=now)

    assert isinstance(outcome, AlreadyPast)
    assert uow.orders.saves == [] and uow.events == []
    assert uow.orders.stored(order.id).payment_issues == []


async def test_a_late_payment_is_noted_for_staff_and_the_order_stays_open(
    catalog: Catalog, user_id: uuid.UUID, now: datetime
):
    order = report_order(catalog, user_id=user_id, now=now)
    uow = unit_of_work(order)

    outcome = await payments.paid_late(uow, order_id=order.id, receipt=receipt("sig-late"), now=now)

    assert isinstance(outcome, PaymentNeedsReview) and outcome.kind is PaymentIssueKind.PAID_LATE
    stored = uow.orders.stored(order.id)
    assert stored.status is S.PENDING_PAYMENT
    assert [i.receipt.signature for i in stored.payment_issues] == ["sig-late"]
    assert uow.events == []


async def test_an_expired_invoice_expires_the_unpaid_order(
    catalog: Catalog, user_id: uuid.UUID, now: datetime
):
    order = report_order(catalog, user_id=user_id, now=now)
    uow = unit_of_work(order)

    await payments.invoice_expired(uow, order_id=order.id, now=now)

    stored = uow.orders.stored(order.id)
    assert stored.status is S.EXPIRED and stored.history[-1].reason == "invoice expired"
    assert uow.subjects == ["orders.order.expired.v1", "orders.order.status_changed.v1"]
    [expired] = uow.emitted(OrderExpired)
    assert expired.order_id == order.id and expired.occurred_at == now


async def test_an_expired_invoice_for_a_paid_order_is_already_past(
    catalog: Catalog, user_id: uuid.UUID, now: datetime
):
    order = report_order(catalog, user_id=user_id, now=now, status=S.PAYMENT_RECEIVED)
    uow = unit_of_work(order)

    outcome = await payments.invoice_expired(uow, order_id=order.id, now=now)

    assert isinstance(outcome, AlreadyPast)
    assert uow.orders.stored(order.id).status is S.PAYMENT_RECEIVED
    assert uow.orders.saves == [] and uow.events == []


@pytest.mark.parametrize("use_case", ["payment_finalized", "paid_late", "invoice_expired"])
async def test_an_unknown_order_is_refused(use_case: str, now: datetime):
    uow = unit_of_work()
    missing = uuid.uuid4()
    kwargs = {} if use_case == "invoice_expired" else {"receipt": receipt()}

    with pytest.raises(OrderNotFound) as refused:
        await getattr(payments, use_case)(uow, order_id=missing, now=now, **kwargs)

    assert refused.value.order_id == missing
    assert uow.orders.saves == [] and uow.events == []
