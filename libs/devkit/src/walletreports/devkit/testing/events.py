"""Events and addresses tests often need."""

import uuid
from urllib.parse import urlparse

import nats
from nats.js.api import ConsumerInfo

from walletreports.contracts import Event, stream_name, wire_subject
from walletreports.contracts.web import UserRegistered


def user_registered() -> UserRegistered:
    return UserRegistered(
        user_id=uuid.uuid4(), email=f"{uuid.uuid4().hex[:8]}@example.com", display_name="Probe"
    )


def host_port(nats_url: str) -> tuple[str, int]:
    parsed = urlparse(nats_url.split(",")[0])
    return parsed.hostname or "127.0.0.1", parsed.port or 4222


async def publish_again_around_the_outbox(nats_url: str, namespace: str, event: Event) -> None:
    """Publish an already-sent event once more under a new Nats-Msg-Id, so JetStream's
    duplicate window cannot drop it: only the consumers' inboxes stand in the way."""
    nc = await nats.connect(nats_url)
    try:
        await nc.jetstream().publish(
            wire_subject(namespace, event.subject),
            event.model_dump_json().encode(),
            headers={"Nats-Msg-Id": f"again-{event.event_id}"},
        )
    finally:
        await nc.close()


async def consumer_has_settled(
    nats_url: str, namespace: str, event: Event, consumer: str, deliveries: int
) -> bool:
    """True once the durable `consumer` has been given `deliveries` messages of the
    event's stream and acked them all (nothing pending, nothing waiting for an ack)."""
    nc = await nats.connect(nats_url)
    try:
        # nats-py leaves consumer_info unannotated; it returns a ConsumerInfo.
        info: ConsumerInfo = await nc.jetstream().consumer_info(
            stream_name(namespace, event.producer), consumer
        )
    finally:
        await nc.close()
    return (
        info.delivered is not None
        and info.delivered.stream_seq >= deliveries
        and info.num_ack_pending == 0
        and info.num_pending == 0
    )
