"""Inbox: an event delivered twice has one effect, however the second delivery comes."""

import nats
import pytest
from nats.aio.msg import Msg

from walletreports.contracts import stream_name, wire_subject
from walletreports.devkit.testing import probe
from walletreports.devkit.testing.events import (
    consumer_has_settled,
    publish_again_around_the_outbox,
    user_registered,
)
from walletreports.devkit.testing.eventually import count_rows as count
from walletreports.devkit.testing.eventually import eventually
from walletreports.devkit.testing.probe import CONSUMER, PRODUCER, effects, inbox


async def _emit(producer, event):
    async with producer.runtime.units() as uow:
        await uow.emit(event)


async def test_a_duplicate_publish_has_one_effect(services, nats_url):
    event = user_registered()
    async with services.run(PRODUCER) as producer, services.run(CONSUMER) as consumer:
        await _emit(producer, event)
        await eventually(lambda: count(consumer, effects, event_id=event.event_id))
        await publish_again_around_the_outbox(nats_url, services.namespace, event)
        await eventually(
            lambda: consumer_has_settled(
                nats_url, services.namespace, event, "probe__record_effect", deliveries=2
            )
        )
        assert await count(consumer, effects, event_id=event.event_id) == 1
        assert await count(consumer, inbox, event_id=event.event_id) == 1


async def test_a_failed_handler_is_redelivered_and_its_partial_effect_rolled_back(
    services, monkeypatch
):
    monkeypatch.setitem(probe.injected_failures, "left", 2)
    event = user_registered()
    async with services.run(PRODUCER) as producer, services.run(CONSUMER) as consumer:
        await _emit(producer, event)
        await eventually(lambda: count(consumer, effects, event_id=event.event_id), timeout=20)
        assert probe.injected_failures["left"] == 0  # it did fail twice before succeeding
        assert await count(consumer, effects, event_id=event.event_id) == 1
        assert await count(consumer, inbox, event_id=event.event_id) == 1


async def test_a_redelivery_after_a_lost_ack_has_no_second_effect(services, monkeypatch):
    """The effect committed but the ack never reached NATS: the event comes back."""
    lost = {"acks": 1, "redelivered": False}
    real_ack = Msg.ack

    async def ack_that_gets_lost_once(self: Msg) -> None:
        if self.metadata.num_delivered > 1:
            lost["redelivered"] = True
        if lost["acks"] > 0:
            lost["acks"] -= 1
            await self.nak()  # as if the ack was lost: JetStream redelivers
            return
        await real_ack(self)

    monkeypatch.setattr(Msg, "ack", ack_that_gets_lost_once)
    event = user_registered()
    async with services.run(PRODUCER) as producer, services.run(CONSUMER) as consumer:
        await _emit(producer, event)
        await eventually(lambda: _true(lost["redelivered"]))
        assert await count(consumer, effects, event_id=event.event_id) == 1
        assert await count(consumer, inbox, event_id=event.event_id) == 1


async def _true(value: bool) -> bool:
    return value


@pytest.mark.parametrize("body", [b"not json", b'{"event_id": "nope"}'])
async def test_a_malformed_event_is_dead_lettered_with_its_reason_and_does_not_block_the_next(
    services, nats_url, body
):
    event = user_registered()
    async with services.run(PRODUCER) as producer, services.run(CONSUMER) as consumer:
        nc = await nats.connect(nats_url)
        js = nc.jetstream()
        await js.publish(wire_subject(services.namespace, event.subject), body)
        await _emit(producer, event)
        await eventually(lambda: count(consumer, effects, event_id=event.event_id))
        assert await count(consumer, effects) == 1

        dead = await js.pull_subscribe(
            f"{services.namespace}.deadletter.>",
            stream=stream_name(services.namespace, "deadletter"),
        )
        [kept] = await dead.fetch(1, timeout=5)
        await nc.close()
    assert kept.data == body
    assert kept.subject == f"{services.namespace}.deadletter.probe__record_effect"
    assert kept.headers["Original-Subject"] == wire_subject(services.namespace, event.subject)
    assert kept.headers["Reason"].startswith("web.user.registered.v1 is malformed")
