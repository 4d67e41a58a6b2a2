"""An event leaves one service's outbox over the real broker and another service's
consumer handles it exactly once."""

import uuid

from prometheus_client.parser import text_string_to_metric_families

from walletreports.contracts.web import UserRegistered
from walletreports.notifier.adapters.tables import contacts, inbox
from walletreports.notifier.app import SERVICE as NOTIFIER
from walletreports.web.app import SERVICE as WEB

from walletreports.devkit.testing.eventually import count_rows, eventually
from walletreports.devkit.testing.events import consumer_has_settled, publish_again_around_the_outbox


async def test_web_outbox_event_is_handled_once_by_notifier(services, nats_url):
    async with services.run(WEB) as web, services.run(NOTIFIER, NOTIFIER_EMAIL_BACKEND="console") as notifier:
        before = await handled_counts(notifier)
        event = UserRegistered(user_id=uuid.uuid4(), email="ada@example.com", display_name="Ada")
        async with web.runtime.units() as uow:
            await uow.emit(event)

        await eventually(lambda: count_rows(notifier, contacts, user_id=event.user_id))

        await publish_again_around_the_outbox(nats_url, services.namespace, event)
        await eventually(
            lambda: consumer_has_settled(
                nats_url, services.namespace, event, "notifier__remember_new_contact", deliveries=2
            )
        )

        assert await count_rows(notifier, contacts, user_id=event.user_id) == 1
        assert await count_rows(notifier, inbox, event_id=event.event_id) == 1
        # The contact upsert alone would hide a second run: the service's own metrics
        # say the second delivery was recognised as a duplicate and not handled.
        after = await handled_counts(notifier)
        assert after["handled"] - before["handled"] == 1
        assert after["duplicate"] - before["duplicate"] == 1


async def handled_counts(service) -> dict[str, float]:
    """events_handled_total for the notifier's new-contact consumer, read off /metrics."""
    counts = {"handled": 0.0, "duplicate": 0.0}
    for family in text_string_to_metric_families((await service.http.get("/metrics")).text):
        for sample in family.samples:
            if sample.name == "events_handled_total" and sample.labels.get("consumer") == "notifier__remember_new_contact":
                counts[sample.labels["outcome"]] = sample.value
    return counts
