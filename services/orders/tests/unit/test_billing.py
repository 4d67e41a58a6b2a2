from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from walletreports.orders.domain.actor import Actor
from walletreports.orders.domain.billing import billing_summary
from walletreports.orders.domain.money import Currency
from walletreports.orders.domain.order import PaymentReceipt
from walletreports.orders.domain.placement import place_order
from walletreports.orders.domain.state_machine import OrderStatus

ADDRESS = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
STAFF = Actor.staff("ops@example.com")


@pytest.fixture
def new_order(catalog, user_id, now):
    minute = iter(range(1000))

    def make(product="wallet_report", subscription=None):
        return place_order(
            catalog,
            order_id=uuid.uuid4(),
            user_id=user_id,
            product_code=product,
            wallet_address=ADDRESS if product == "wallet_report" else None,
            subscription=subscription,
            now=now + timedelta(minutes=next(minute)),
        )

    return make


def test_totals_per_currency_and_usd(user_id, now, new_order, subscription):
    usdc = new_order().order
    usdc.pay(receipt=PaymentReceipt(Currency.USDC, 25_000_000, "s1"), now=now)
    usdc.start_processing(now=now)
    usdc.finish(outcome=OrderStatus.COMPLETED, now=now)

    sol = new_order().order
    sol.pay(receipt=PaymentReceipt(Currency.SOL, 166_666_667, "s2"), now=now)
    sol.finish(outcome=OrderStatus.PARTIAL_COMPLETE, now=now)

    plan_order = new_order("subscription_monthly").order
    plan_order.pay(receipt=PaymentReceipt(Currency.USDT, 6_000_000, "s3"), now=now)
    plan_order.finish(outcome=OrderStatus.COMPLETED, now=now, reason="subscription activated")

    covered = new_order(subscription=subscription)
    subscription = covered.subscription
    covered.order.start_processing(now=now)
    covered.order.finish(outcome=OrderStatus.COMPLETED, now=now)

    unpaid = new_order().order
    expired = new_order().order
    expired.expire(now=now)

    summary = billing_summary(
        user_id=user_id,
        orders=[expired, unpaid, covered.order, plan_order, sol, usdc],
        subscription=subscription,
        now=now,
    )
    assert summary.spent_base_units == {
        Currency.USDC: 25_000_000,
        Currency.USDT: 6_000_000,
        Currency.SOL: 166_666_667,
    }
    assert all(isinstance(v, int) for v in summary.spent_base_units.values())
    assert summary.spent_usd == Decimal("56.00")  # 25 + 25 + 6 + 0 (covered)
    assert summary.reports_completed == 2  # the plan order is not a report
    assert summary.reports_partial == 1
    assert [line.order_id for line in summary.orders] == [
        usdc.id,
        sol.id,
        plan_order.id,
        covered.order.id,
        unpaid.id,
        expired.id,
    ]  # oldest first
    assert [(p.currency, p.accepted) for p in summary.payments] == [
        (Currency.USDC, True),
        (Currency.SOL, True),
        (Currency.USDT, True),
    ]
    assert summary.is_subscriber
    view = summary.subscription
    assert (view.status, view.reports_used, view.reports_included) == ("active", 1, 30)
    assert view.reports_remaining == 29
    assert view.expires_at == now + timedelta(days=30)


def test_money_not_taken_is_listed_but_not_counted(user_id, now, new_order):
    order = new_order().order
    order.expire(now=now)
    order.pay(receipt=PaymentReceipt(Currency.USDC, 25_000_000, "late"), now=now)
    summary = billing_summary(user_id=user_id, orders=[order], subscription=None, now=now)
    assert summary.spent_base_units[Currency.USDC] == 0
    assert summary.spent_usd == Decimal("0.00")
    assert [(p.signature, p.accepted) for p in summary.payments] == [("late", False)]


def test_accepted_late_payment_counts_once(user_id, now, new_order):
    order = new_order().order
    order.expire(now=now)
    issue = order.pay(receipt=PaymentReceipt(Currency.USDC, 25_000_000, "late"), now=now)
    order.mark_paid_by_staff(by=STAFF, reason="accept late payment", now=now, receipt=issue.receipt)
    summary = billing_summary(user_id=user_id, orders=[order], subscription=None, now=now)
    assert summary.spent_base_units[Currency.USDC] == 25_000_000
    assert summary.spent_usd == Decimal("25.00")
    assert [(p.signature, p.accepted) for p in summary.payments] == [("late", True)]


def test_empty_user(user_id, now):
    summary = billing_summary(user_id=user_id, orders=[], subscription=None, now=now)
    assert summary.spent_base_units == {c: 0 for c in Currency}
    assert summary.spent_usd == Decimal("0.00")
    assert summary.orders == () and summary.payments == ()
    assert not summary.is_subscriber and summary.subscription is None


def test_expired_subscription_is_shown_as_expired(user_id, subscription):
    summary = billing_summary(
        user_id=user_id, orders=[], subscription=subscription, now=subscription.expires_at
    )
    assert not summary.is_subscriber
    assert summary.subscription.status == "expired"


def test_refuses_other_users_orders(now, new_order):
    order = new_order().order
    with pytest.raises(ValueError, match="other than"):
        billing_summary(user_id=uuid.uuid4(), orders=[order], subscription=None, now=now)
