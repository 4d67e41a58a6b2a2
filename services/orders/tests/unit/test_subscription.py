from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

import pytest

from walletreports.orders.domain.subscription import (
    Subscription,
    SubscriptionStatus,
    activate_subscription,
    subscriptions_to_expire,
)

SUB_ID = uuid.UUID("00000000-0000-4000-8000-0000000000aa")


@pytest.fixture
def plan(catalog):
    return catalog.plan("subscription_monthly")


@pytest.fixture
def active(plan, user_id, now) -> Subscription:
    return activate_subscription(
        plan=plan, user_id=user_id, current=None, new_subscription_id=SUB_ID, now=now
    ).subscription


def test_activation_starts_now_for_the_plan_duration(active, now):
    assert active.id == SUB_ID
    assert active.starts_at == now
    assert active.expires_at == now + timedelta(days=30)
    assert (active.reports_included, active.reports_used) == (30, 0)
    assert active.report_discount_percent == 20
    assert active.status is SubscriptionStatus.ACTIVE
    assert active.plan == "subscription_monthly"


def test_buying_again_while_active_extends_from_the_current_expiry(plan, active, user_id, now):
    later = now + timedelta(days=10)
    used = replace(active, reports_used=12)
    result = activate_subscription(
        plan=plan, user_id=user_id, current=used, new_subscription_id=uuid.uuid4(), now=later
    )
    assert result.extended
    sub = result.subscription
    assert sub.id == SUB_ID  # same subscription, longer
    assert sub.starts_at == now
    assert sub.expires_at == now + timedelta(days=60)  # no paid day lost
    assert (sub.reports_included, sub.reports_used) == (60, 12)


def test_buying_after_expiry_starts_a_fresh_subscription(plan, active, user_id):
    after = active.expires_at + timedelta(days=1)
    new_id = uuid.uuid4()
    result = activate_subscription(
        plan=plan, user_id=user_id, current=active, new_subscription_id=new_id, now=after
    )
    assert not result.extended
    assert result.subscription.id == new_id
    assert result.subscription.starts_at == after
    assert result.subscription.reports_used == 0


def test_activation_refuses_another_users_subscription(plan, active, now):
    with pytest.raises(ValueError, match="another user"):
        activate_subscription(
            plan=plan,
            user_id=uuid.uuid4(),
            current=active,
            new_subscription_id=uuid.uuid4(),
            now=now,
        )


def test_active_until_but_not_at_expiry(active):
    assert active.is_active(active.expires_at - timedelta(microseconds=1))
    assert not active.is_active(active.expires_at)


def test_covers_until_the_included_reports_are_used(active, now):
    sub = active
    for _ in range(30):
        assert sub.covers_report(now) and not sub.discounts_report(now)
        sub = sub.use_report(now)
    assert sub.reports_used == 30 and sub.reports_remaining == 0
    assert not sub.covers_report(now)
    assert sub.discounts_report(now)
    with pytest.raises(ValueError, match="does not cover"):
        sub.use_report(now)


def test_an_expired_subscription_neither_covers_nor_discounts(active):
    at = active.expires_at
    assert not active.covers_report(at)
    assert not active.discounts_report(at)


def test_use_report_does_not_mutate(active, now):
    active.use_report(now)
    assert active.reports_used == 0


def test_subscriptions_to_expire_picks_the_due_ones(active, plan, user_id, now):
    later_one = activate_subscription(
        plan=plan,
        user_id=user_id,
        current=None,
        new_subscription_id=uuid.uuid4(),
        now=now + timedelta(days=5),
    ).subscription
    already = replace(active, id=uuid.uuid4(), status=SubscriptionStatus.EXPIRED)
    at = active.expires_at
    due = subscriptions_to_expire([active, later_one, already], at)
    assert [s.id for s in due] == [active.id]
    assert due[0].status is SubscriptionStatus.EXPIRED
    assert subscriptions_to_expire([active], at - timedelta(seconds=1)) == []


def test_expire_refuses_early(active, now):
    with pytest.raises(ValueError, match="not expired"):
        active.expire(now)


def test_now_must_be_aware(active, now):
    with pytest.raises(ValueError, match="timezone-aware"):
        active.is_active(now.replace(tzinfo=None))
