"""Work on a clock: the reminder a few days before a subscription ends, and account mail
whose send never finished (in doubt, so that staff see it; it is never sent again).

Both are safe on every replica at once: reminders are taken with SKIP LOCKED and a
reminder's notification is unique by its key anyway."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta

from ..domain import ReasonCode
from . import notices
from .notifying import DeliveryRules, deliver
from .ports import Channels, NotifierUnitOfWorkPort
from .transactional import INTERRUPTED

Units = Callable[[], AbstractAsyncContextManager[NotifierUnitOfWorkPort]]

BATCH = 100


async def remind_expiring_subscriptions(
    units: Units, *, channels: Channels, rules: DeliveryRules, ahead: timedelta, now: datetime
) -> int:
    """Send the reminder of every running subscription that ends within `ahead`; returns
    how many were reminded."""
    async with units() as uow:
        due = await uow.subscriptions.due_for_reminder(now=now, until=now + ahead, limit=BATCH)
        planned = [notices.subscription_expiring(s, now=now) for s in due]
        await deliver(uow, planned, channels=channels, rules=rules, now=now)
        for subscription in due:
            await uow.subscriptions.reminded(subscription.subscription_id, at=now)
    return len(due)


async def settle_interrupted_account_mail(
    units: Units, *, stale_after: timedelta, now: datetime
) -> int:
    async with units() as uow:
        stale = await uow.notifications.stale_pending_account_mail(
            before=now - stale_after, limit=BATCH
        )
        for notification in stale:
            notification.undelivered(
                doubt=True, code=ReasonCode.INTERRUPTED, reason=INTERRUPTED, at=now
            )
            await uow.notifications.save(notification)
    return len(stale)
