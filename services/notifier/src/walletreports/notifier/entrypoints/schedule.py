"""Work on a clock, on every replica (both steps share their rows with SKIP LOCKED):
the reminder before a subscription ends, and account mail whose send never finished
(recorded in doubt for staff; never sent again)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from walletreports.kit import Clock, UnitsOfWork, repeat

from ..adapters.unit_of_work import NotifierUnitOfWork
from ..domain import Channel
from ..service_layer import reminders
from ..service_layer.notifying import DeliveryRules
from ..service_layer.ports import ChannelPort
from ..settings import NotifierSettings

EVERY_SECONDS = 30.0
# Account mail still pending after this was interrupted: longer than any send takes.
ACCOUNT_MAIL_STALE_AFTER = timedelta(minutes=5)


async def remind_and_settle(
    units: UnitsOfWork[NotifierUnitOfWork],
    clock: Clock,
    settings: NotifierSettings,
    channels: Mapping[Channel, ChannelPort],
    rules: DeliveryRules,
    every_seconds: float = EVERY_SECONDS,
) -> None:
    async def step() -> None:
        now = clock.now()
        await reminders.remind_expiring_subscriptions(
            units, channels=channels, rules=rules, ahead=settings.subscription_reminder, now=now
        )
        await reminders.settle_interrupted_account_mail(
            units, stale_after=ACCOUNT_MAIL_STALE_AFTER, now=now
        )

    await repeat(step, every_seconds, "subscription reminders and interrupted account mail")
