"""Subscriptions: activating a paid plan order, and expiring plans whose time is up."""

from __future__ import annotations

import uuid
from datetime import datetime

from ..domain import Order, OrderStatus, activate_subscription, subscriptions_to_expire
from . import changes, messages
from .ports import OrdersUnitOfWorkPort


async def fulfil_if_plan(uow: OrdersUnitOfWorkPort, order: Order, *, now: datetime) -> None:
    """A plan order that just got paid starts (or extends) the user's subscription and is
    then complete: there is nothing to analyse for it. The terms are the ones it was sold
    with, carried on the order (a report carries none)."""
    plan = order.plan
    if plan is None:
        return
    subscriptions = uow.subscriptions
    current = await subscriptions.latest_for_user(order.user_id, lock=True)
    if current is not None:
        # Still 'active' in the table but its time is up (the schedule has not run yet):
        # end it first, so the new one is a fresh start and never a second active row.
        for stale in subscriptions_to_expire([current], now):
            await subscriptions.save(stale, now=now)
            await uow.emit(messages.subscription_expired(stale, at=now))
            current = stale
    activation = activate_subscription(
        plan=plan, user_id=order.user_id, current=current, new_subscription_id=uuid.uuid4(), now=now
    )
    await subscriptions.save(activation.subscription, now=now)
    await uow.emit(
        messages.subscription_activated(activation.subscription, at=now, order_id=str(order.id))
    )
    reason = "subscription extended" if activation.extended else "subscription activated"
    done = order.finish(outcome=OrderStatus.COMPLETED, now=now, reason=reason)
    await changes.record(uow, order, done, now=now)


async def expire_due(uow: OrdersUnitOfWorkPort, *, now: datetime, limit: int = 100) -> int:
    """Expire up to `limit` subscriptions whose time is up; returns how many.

    Rows another replica is expiring are skipped, not waited for, and the events go
    through the outbox with the status change, so replicas never announce one twice.
    """
    subscriptions = uow.subscriptions
    due = await subscriptions.due_for_expiry(now, limit=limit)
    for sub in subscriptions_to_expire(due, now):
        await subscriptions.save(sub, now=now)
        await uow.emit(messages.subscription_expired(sub, at=now))
    return len(due)
