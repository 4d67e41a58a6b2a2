"""A durable consumer left on the server by an older version takes this version's
config at start (the subscribers alone would bind to it as it is), and one that
cannot be changed stops the start with a line saying what to do."""

import nats
import pytest
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from walletreports.contracts import stream_name, wire_subject
from walletreports.contracts.web import UserRegistered
from walletreports.devkit.testing.events import user_registered
from walletreports.devkit.testing.eventually import count_rows as count
from walletreports.devkit.testing.eventually import eventually
from walletreports.devkit.testing.probe import CONSUMER, PRODUCER, effects, handlers
from walletreports.kit.messaging.consumers import GROUP_SIZE, ConsumerConfigError, EventConsumer
from walletreports.kit.messaging.group_commit import ACK_WAIT_SECONDS
from walletreports.kit.messaging.streams import ensure_streams

DURABLE = "probe__record_effect"


def older_config(namespace: str, **changes) -> ConsumerConfig:
    return ConsumerConfig(
        durable_name=DURABLE,
        filter_subject=wire_subject(namespace, UserRegistered.subject),
        ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=changes.pop("deliver_policy", DeliverPolicy.ALL),
        max_deliver=-1,
        ack_wait=5,
        max_ack_pending=10,
    )


@pytest.fixture
async def js(services, nats_url):
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await ensure_streams(js, services.namespace)
    yield js
    await nc.close()


async def test_an_older_consumer_config_is_brought_up_to_date_at_start(services, js):
    stream = stream_name(services.namespace, "web")
    await js.add_consumer(stream, config=older_config(services.namespace))
    async with services.run(PRODUCER) as producer, services.run(CONSUMER) as consumer:
        config = (await js.consumer_info(stream, DURABLE)).config
        assert (config.ack_wait, config.max_ack_pending) == (ACK_WAIT_SECONDS, GROUP_SIZE * 16)
        event = user_registered()
        async with producer.runtime.units() as uow:
            await uow.emit(event)
        await eventually(lambda: count(consumer, effects, event_id=event.event_id))


async def test_a_consumer_that_cannot_be_changed_is_named_with_the_way_out(services, js):
    stream = stream_name(services.namespace, "web")
    await js.add_consumer(
        stream, config=older_config(services.namespace, deliver_policy=DeliverPolicy.NEW)
    )
    consumer = EventConsumer(
        units=None, inbox=None, namespace=services.namespace, jetstream=lambda: js
    )  # type: ignore[arg-type]
    with pytest.raises(
        ConsumerConfigError, match=f"{DURABLE} on stream {stream}.*nats consumer rm"
    ):
        await consumer.declare(js, handlers.bind({}).routes)


async def test_a_service_whose_consumer_cannot_be_changed_says_why_it_is_not_ready(services, js):
    stream = stream_name(services.namespace, "web")
    await js.add_consumer(
        stream, config=older_config(services.namespace, deliver_policy=DeliverPolicy.NEW)
    )
    async with services.run(CONSUMER, wait_ready=False) as consumer:
        reason = await eventually(lambda: _cannot_start(consumer))
    assert DURABLE in reason and "nats consumer rm" in reason


async def _cannot_start(service) -> str:
    response = await service.http.get("/readyz")
    nats_check = response.json()["checks"]["nats"]
    return (
        nats_check if response.status_code == 503 and nats_check.startswith("cannot start") else ""
    )
