"""A user's billing view: orders, payments, spent per currency, subscription usage."""

from __future__ import annotations

import uuid
from datetime import datetime

from ..domain import BillingSummary, billing_summary
from .ports import OrdersUnitOfWorkPort


async def for_user(
    uow: OrdersUnitOfWorkPort, *, user_id: uuid.UUID, now: datetime
) -> BillingSummary:
    orders = await uow.orders.for_user(user_id)
    subscription = await uow.subscriptions.latest_for_user(user_id)
    return billing_summary(user_id=user_id, orders=orders, subscription=subscription, now=now)
