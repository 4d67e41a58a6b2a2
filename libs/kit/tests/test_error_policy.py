"""The one error policy for consumers: a DomainError is refused for good (rolled back,
recorded on the inbox row, acknowledged, never redelivered); anything else is retried."""

import nats
from sqlalchemy import select

from walletreports.contracts import stream_name
from walletreports.devkit.testing import probe
from walletreports.devkit.testing.events import consumer_has_settled, user_registered
from walletreports.devkit.testing.eventually import count_rows as count
from walletreports.devkit.testing.eventually import eventually
from walletreports.devkit.testing.probe import CONSUMER, PRODUCER, effects, inbox
from walletreports.kit.messaging.consumers import HANDLED

CONSUMER_NAME = "probe__record_effect"


async def _inbox_row(consumer, event_id):
    async with consumer.runtime.db.sessions() as session:
        return (await session.execute(select(inbox).where(inbox.c.event_id == event_id))).first()


async def test_a_refusal_is_recorded_acknowledged_and_not_retried(services, nats_url, monkeypatch):
    monkeypatch.setitem(probe.injected_refusals, "left", 1)
    refused, fine = user_registered(), user_registered()
    async with services.run(PRODUCER) as producer, services.run(CONSUMER) as consumer:
        async with producer.runtime.units() as uow:
            await uow.emit(refused)
        await eventually(lambda: _inbox_row(consumer, refused.event_id))
        row = await _inbox_row(consumer, refused.event_id)
        assert row.outcome == "refused"
        assert row.detail == "conflict: injected refusal after the effect was written"
        # Its effect was rolled back with the refusal, and it is not delivered again.
        assert await count(consumer, effects, event_id=refused.event_id) == 0
        await eventually(
            lambda: consumer_has_settled(
                nats_url, services.namespace, refused, CONSUMER_NAME, deliveries=1
            )
        )
        assert probe.injected_refusals["left"] == 0
        nc = await nats.connect(nats_url)
        try:
            info = await nc.jetstream().consumer_info(
                stream_name(services.namespace, refused.producer), CONSUMER_NAME
            )
        finally:
            await nc.close()
        assert info.delivered.consumer_seq == 1  # delivered once: no retry
        # The next event is handled as usual.
        async with producer.runtime.units() as uow:
            await uow.emit(fine)
        await eventually(lambda: count(consumer, effects, event_id=fine.event_id))
        assert (await _inbox_row(consumer, fine.event_id)).outcome is None
        assert HANDLED.labels(CONSUMER_NAME, "refused")._value.get() >= 1
