"""Subscriptions (second seed): a plan bought as an order that covers, then discounts, reports.

Rules:
- Active while `status` is active and `now < expires_at`; expired from `now >= expires_at`.
- While active, each report order uses one included report (price 0, no payment); once
  they are used up, report orders get the plan's discount (25.00 -> 20.00 at 20 %).
- Activation: a paid plan order starts a subscription at `now` for the plan's duration.
  Buying again while one is active *extends* it: the new period starts at the current
  `expires_at` (the user loses no paid days) and the plan's reports are added to the
  allowance (they paid for them). Buying after expiry starts a fresh subscription.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from .catalog import SubscriptionPlan
from .timestamps import require_aware


class SubscriptionStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Subscription:
    id: uuid.UUID
    user_id: uuid.UUID
    plan: str
    starts_at: datetime
    expires_at: datetime
    reports_included: int
    reports_used: int
    # Copied from the plan at purchase: a later catalog change does not alter what the
    # user already bought.
    report_discount_percent: int
    status: SubscriptionStatus = SubscriptionStatus.ACTIVE

    @property
    def reports_remaining(self) -> int:
        return max(self.reports_included - self.reports_used, 0)

    def is_active(self, now: datetime) -> bool:
        require_aware(now)
        return self.status is SubscriptionStatus.ACTIVE and now < self.expires_at

    def covers_report(self, now: datetime) -> bool:
        """Would a report ordered at `now` be free (an included report left)?"""
        return self.is_active(now) and self.reports_remaining > 0

    def discounts_report(self, now: datetime) -> bool:
        """Would a report ordered at `now` be discounted (active, allowance used up)?"""
        return self.is_active(now) and self.reports_remaining == 0

    def use_report(self, now: datetime) -> Subscription:
        """This subscription after covering one report. Check `covers_report` first."""
        if not self.covers_report(now):
            raise ValueError(f"subscription {self.id} does not cover a report at {now}")
        return replace(self, reports_used=self.reports_used + 1)

    def expire(self, now: datetime) -> Subscription:
        """This subscription marked expired; only once its time is up."""
        require_aware(now)
        if now < self.expires_at:
            raise ValueError(
                f"subscription {self.id} runs until {self.expires_at}, not expired at {now}"
            )
        return replace(self, status=SubscriptionStatus.EXPIRED)


@dataclass(frozen=True, slots=True)
class SubscriptionActivation:
    subscription: Subscription
    # True when an active subscription was lengthened rather than a new one started;
    # the service still announces `subscription.activated` with the new expiry.
    extended: bool


def activate_subscription(
    *,
    plan: SubscriptionPlan,
    user_id: uuid.UUID,
    current: Subscription | None,
    new_subscription_id: uuid.UUID,
    now: datetime,
) -> SubscriptionActivation:
    """Apply a paid plan order. `current` is the user's latest subscription, if any."""
    require_aware(now)
    period = timedelta(days=plan.duration_days)
    if current is not None and current.user_id != user_id:
        raise ValueError(f"subscription {current.id} belongs to another user")
    if current is not None and current.is_active(now):
        extended = replace(
            current,
            plan=plan.code,
            expires_at=current.expires_at + period,
            reports_included=current.reports_included + plan.reports_included,
            report_discount_percent=plan.report_discount_percent,
        )
        return SubscriptionActivation(subscription=extended, extended=True)
    fresh = Subscription(
        id=new_subscription_id,
        user_id=user_id,
        plan=plan.code,
        starts_at=now,
        expires_at=now + period,
        reports_included=plan.reports_included,
        reports_used=0,
        report_discount_percent=plan.report_discount_percent,
    )
    return SubscriptionActivation(subscription=fresh, extended=False)


def subscriptions_to_expire(
    subscriptions: Iterable[Subscription], now: datetime
) -> list[Subscription]:
    """The still-active subscriptions whose time is up at `now`, already marked expired."""
    require_aware(now)
    return [
        sub.expire(now)
        for sub in subscriptions
        if sub.status is SubscriptionStatus.ACTIVE and now >= sub.expires_at
    ]
