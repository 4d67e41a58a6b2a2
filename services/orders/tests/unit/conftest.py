from __future__ import annotations

import uuid

import pytest

from walletreports.orders.domain.subscription import Subscription, activate_subscription


@pytest.fixture
def subscription(catalog, user_id, now) -> Subscription:
    """The user's shipped monthly plan, bought at `now`: active, no report used yet."""
    return activate_subscription(
        plan=catalog.plan("subscription_monthly"),
        user_id=user_id,
        current=None,
        new_subscription_id=uuid.uuid4(),
        now=now,
    ).subscription
