"""The reminder before a subscription ends (service_layer.reminders), on fakes."""

from __future__ import annotations

from datetime import timedelta

from walletreports.notifier.domain import NotificationStatus, TemplateName
from walletreports.notifier.service_layer import notices, reminders
from walletreports.notifier.service_layer.notifying import DeliveryRules

from . import events as ev
from .fakes import FakeEmailChannel, FakeUnitOfWork, channels, contact, units_of

RULES = DeliveryRules(max_event_age=timedelta(hours=72))


async def test_one_reminder_a_few_days_before_the_end_and_none_after_it_ended():
    ada = contact()
    uow = FakeUnitOfWork(contacts=(ada,))
    soon = ev.subscription_activated(ada.user_id, days=30)
    ended = ev.subscription_activated(ada.user_id, days=31)
    for activated in (soon, ended):
        await uow.subscriptions.remember(notices.known_subscription(activated))
    await uow.subscriptions.ended(ended.subscription_id, at=ev.NOW)

    async def remind(now):
        return await reminders.remind_expiring_subscriptions(
            units_of(uow),
            channels=channels(FakeEmailChannel()),
            rules=RULES,
            ahead=timedelta(days=3),
            now=now,
        )

    assert await remind(ev.NOW + timedelta(days=26)) == 0  # four days before: not yet
    assert await remind(ev.NOW + timedelta(days=27, hours=1)) == 1
    assert await remind(ev.NOW + timedelta(days=28)) == 0  # once
    (n,) = uow.notifications.by_template(TemplateName.SUBSCRIPTION_EXPIRING)
    assert (
        n.status is NotificationStatus.PENDING and n.fact == f"subscription:{soon.subscription_id}"
    )
    assert n.context is not None and n.context["plan"] == "monthly"
