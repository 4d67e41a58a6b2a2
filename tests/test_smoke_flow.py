"""An event leaves one service's outbox over the real broker and another service's
consumer handles it exactly once."""

import uuid

import nats
from prometheus_client.parser import text_string_to_metric_families

from walletreports.contracts import stream_name, wire_subject
from walletreports.contracts.web import UserRegistered
from walletreports.notifier.adapters.tables import contacts, inbox
from walletreports.notifier.app import SPEC as NOTIFIER
from walletreports.web.app import SPEC as WEB

from walletreports.kit.testing.eventually import count_rows, eventually


async def test_web_outbox_event_is_handled_once_by_notifier(services, nats_url):
    async with services.run(WEB) as web, services.run(NOTIFIER) as notifier:
        before = await handled_counts(notifier)
        event = UserRegistered(user_id=uuid.uuid4(), email="ada@example.com", display_name="Ada")
        async with web.runtime.units() as uow:
            await uow.emit(event)

        await eventually(lambda: count_rows(notifier, contacts, user_id=event.user_id))

        # The same event again, published around the outbox under another message id so
        # JetStream's duplicate window cannot catch it: only the inbox stands in the way.
        nc = await nats.connect(nats_url)
        await nc.jetstream().publish(
            wire_subject(services.namespace, event.subject),
            event.model_dump_json().encode(),
            headers={"Nats-Msg-Id": f"replay-{event.event_id}"},
        )
        await eventually(lambda: _both_deliveries_acked(nc, services.namespace))
        await nc.close()

        assert await count_rows(notifier, contacts, user_id=event.user_id) == 1
        assert await count_rows(notifier, inbox, event_id=event.event_id) == 1
        # The contact upsert alone would hide a second run: the service's own metrics
        # say the second delivery was recognised as a duplicate and not handled.
        after = await handled_counts(notifier)
        assert after["handled"] - before["handled"] == 1
        assert after["duplicate"] - before["duplicate"] == 1


async def _both_deliveries_acked(nc, namespace) -> bool:
    info = await nc.jetstream().consumer_info(stream_name(namespace, "web"), "notifier__remember_new_contact")
    return info.delivered.stream_seq >= 2 and info.num_ack_pending == 0 and info.num_pending == 0


async def handled_counts(service) -> dict[str, float]:
    """events_handled_total for the notifier's new-contact consumer, read off /metrics."""
    counts = {"handled": 0.0, "duplicate": 0.0}
    for family in text_string_to_metric_families((await service.http.get("/metrics")).text):
        for sample in family.samples:
            if sample.name == "events_handled_total" and sample.labels.get("consumer") == "notifier__remember_new_contact":
                counts[sample.labels["outcome"]] = sample.value
    return counts
