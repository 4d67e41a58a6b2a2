"""A user's billing view: orders, payments, spent per currency, subscription usage."""

from __future__ import annotations

import uuid
from datetime import datetime

from walletreports.kit.messaging.unit_of_work import UnitOfWork

from ..adapters.orders_repo import OrderRepository
from ..adapters.subscriptions_repo import SubscriptionRepository
from ..domain import BillingSummary, billing_summary


async def for_user(uow: UnitOfWork, *, user_id: uuid.UUID, now: datetime) -> BillingSummary:
    orders = await OrderRepository(uow.session).for_user(user_id)
    subscription = await SubscriptionRepository(uow.session).latest_for_user(user_id)
    return billing_summary(user_id=user_id, orders=orders, subscription=subscription, now=now)
