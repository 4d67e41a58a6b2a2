"""Event consumers: durable JetStream pull consumers with explicit acks and an inbox.

Each route of a service's EventHandlers becomes a FastStream batch pull subscriber
with manual acks. The messages waiting for a consumer are fetched together (up to
GROUP_SIZE; a partial batch waits at most BATCH_WAIT_SECONDS to fill, which is the
extra latency at low load) and handled in one transaction (see GroupCommitter). Per
message:
- one that cannot be parsed (unknown subject, bad payload) is copied with the reason
  to the dead-letter stream, logged, and only then terminated — redelivering it would
  never help, and nothing is dropped unseen (if the copy fails, it is NAK'd instead);
- the rest are claimed in the inbox and handled; an event already in the inbox (a
  redelivery or a duplicate publish) is acked without running the handler again;
- a handler that raises rolls back its own effects (inbox claim included) and its
  message is NAK'd with a growing delay, so it comes back; it is never dropped;
- when the service stops, batches being handled get a few seconds to finish, then
  are cancelled (rolled back) and NAK'd for another replica, before the connection
  closes (see EventConsumer.stop); a message a pull loop fetched in its very last
  moment, or a NAK that cannot be sent, comes back after the ack wait.

Why batches: FastStream's per-message path (dependency injection, middlewares, a
task per message) cost about ten times what the batch path costs per message here,
more than the handler and its share of the commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from faststream.middlewares import AckPolicy
from faststream.nats import JStream, NatsBroker, PullSub
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy as JsAckPolicy
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.errors import APIError, BadRequestError
from prometheus_client import Counter

from walletreports.contracts import Event, InvalidEvent, parse_event, stream_name, wire_subject

from ..log import correlated
from .fetch_timeouts import one_timeout_kind_from_fetch
from .group_commit import ACK_WAIT_SECONDS, GroupCommitter, Outcome
from .inbox import Inbox
from .routes import EventHandlers, Handler, Route
from .streams import dead_letter_subject
from .unit_of_work import UnitsOfWork

__all__ = ["HANDLED", "ConsumerConfigError", "EventConsumer", "EventHandlers", "Handler", "Route"]

log = logging.getLogger(__name__)

HANDLED = Counter("events_handled_total", "Events taken off the bus", ["consumer", "outcome"])

GROUP_SIZE = 128  # messages fetched at once, and at most per transaction
# Pull loops per durable consumer in one process: while one batch waits on the
# database, the next is fetched and handled (as another replica's loop would).
PULLERS_PER_CONSUMER = 2
BATCH_WAIT_SECONDS = 0.1
MAX_RETRY_DELAY_SECONDS = 60.0
GIVE_BACK_DELAY_SECONDS = 1.0


class ConsumerConfigError(Exception):
    """A durable consumer on the server that cannot be brought to the config here."""


# JetStream's "consumer create/update failed" (for instance "deliver policy can not be
# updated"), which it answers with code 500 although nothing is wrong with the server.
CONSUMER_UPDATE_REFUSED = 10012


def _refused_config(exc: APIError) -> bool:
    return isinstance(exc, BadRequestError) or exc.err_code == CONSUMER_UPDATE_REFUSED


def retry_delay(num_delivered: int) -> float:
    return min(0.5 * 2 ** max(num_delivered - 1, 0), MAX_RETRY_DELAY_SECONDS)


async def _give_back(messages: Iterable[Msg]) -> None:
    """NAK for another replica. The short delay keeps them out of this replica's own
    pull loops, which run until the broker stops them; a message fetched by a stopped
    loop would otherwise sit out the whole ack wait."""
    for msg in messages:
        with contextlib.suppress(Exception):  # the connection may be going; then the ack wait brings it back
            await msg.nak(delay=GIVE_BACK_DELAY_SECONDS)


async def _raw_messages(message: Any) -> Any:
    """FastStream decoder: hand the handler nats-py's own messages (acks are ours)."""
    return message.raw_message


class EventConsumer:
    def __init__(
        self, units: UnitsOfWork, inbox: Inbox, namespace: str, jetstream: Callable[[], JetStreamContext | None]
    ) -> None:
        self.units = units
        self.inbox = inbox
        self.namespace = namespace
        self.jetstream = jetstream
        self._stopping = False
        self._in_flight: set[asyncio.Task[list[Outcome]]] = set()

    def bind(self, broker: NatsBroker, handlers: EventHandlers) -> None:
        one_timeout_kind_from_fetch()
        for route in handlers.routes:
            self._bind_route(broker, route)

    def _bind_route(self, broker: NatsBroker, route: Route[Any]) -> None:
        committer = GroupCommitter(route, self.units, self.inbox)

        # `Any`, not list[Msg]: FastStream would build a pydantic model of nats-py's Msg.
        async def on_batch(messages: Any) -> None:
            await self.deliver(route, committer, messages)

        on_batch.__name__ = route.consumer
        for _ in range(PULLERS_PER_CONSUMER):
            self._subscribe(broker, route, on_batch)

    def _subscribe(self, broker: NatsBroker, route: Route[Any], on_batch: Callable[[Any], Any]) -> None:
        cls = route.event_cls
        broker.subscriber(
            wire_subject(self.namespace, cls.subject),
            stream=JStream(stream_name(self.namespace, cls.producer), declare=False),
            durable=route.consumer,
            pull_sub=PullSub(batch_size=GROUP_SIZE, timeout=BATCH_WAIT_SECONDS, batch=True),
            decoder=_raw_messages,
            ack_policy=AckPolicy.MANUAL,
            config=self._consumer_config(route),
        )(on_batch)

    def _consumer_config(self, route: Route[Any]) -> ConsumerConfig:
        return ConsumerConfig(
            name=route.consumer,
            durable_name=route.consumer,
            filter_subject=wire_subject(self.namespace, route.event_cls.subject),
            ack_policy=JsAckPolicy.EXPLICIT,
            ack_wait=ACK_WAIT_SECONDS,
            deliver_policy=DeliverPolicy.ALL,
            max_deliver=-1,
            max_ack_pending=GROUP_SIZE * 16,
        )

    async def declare(self, js: JetStreamContext, routes: Iterable[Route[Any]]) -> None:
        """Create each durable consumer, or bring an existing one to this config: the
        subscribers only bind to a consumer that exists, keeping whatever config it
        was created with (an ack wait or window changed here would never apply)."""
        for route in routes:
            stream = stream_name(self.namespace, route.event_cls.producer)
            try:
                await js.add_consumer(stream, config=self._consumer_config(route))
            except APIError as exc:
                if not _refused_config(exc):
                    raise  # the server is not there or not able now: the start retries
                raise ConsumerConfigError(
                    f"durable consumer {route.consumer} on stream {stream} cannot take this service's config "
                    f"({exc.description}); remove it (nats consumer rm {stream} {route.consumer}) so it is "
                    "created anew: it then replays the stream, and the inbox drops what was handled"
                ) from exc

    async def deliver(self, route: Route[Any], committer: GroupCommitter, messages: Sequence[Msg]) -> None:
        if self._stopping:
            await _give_back(messages)
            return
        readable: list[tuple[Msg, Event]] = []
        for msg in messages:
            subject = msg.subject.removeprefix(f"{self.namespace}.")
            try:
                readable.append((msg, parse_event(subject, msg.data)))
            except InvalidEvent as exc:
                await self._dead_letter(route, msg, str(exc))
        if not readable:
            return
        work = asyncio.create_task(committer.handle([event for _, event in readable]))
        self._in_flight.add(work)
        work.add_done_callback(self._in_flight.discard)
        try:
            outcomes = await work
        except asyncio.CancelledError:
            # Cut short by the service stopping (see stop): rolled back; straight back
            # to JetStream, for a replica that is not stopping.
            await _give_back(msg for msg, _ in readable)
            own = asyncio.current_task()
            if own is not None and own.cancelling():
                raise
            return
        handled = duplicates = 0
        for (msg, event), outcome in zip(readable, outcomes, strict=True):
            if isinstance(outcome, Exception):
                await self._retry_later(route, msg, event, outcome)
                continue
            await msg.ack()
            handled += outcome
            duplicates += not outcome
        if handled:
            HANDLED.labels(route.consumer, "handled").inc(handled)
        if duplicates:
            HANDLED.labels(route.consumer, "duplicate").inc(duplicates)

    async def stop(self, grace_seconds: float) -> None:
        """Called before the broker stops, while its connection is still up: batches
        fetched from now on go straight back; those being handled get `grace_seconds`
        to finish, then are cancelled (rolled back) and NAK'd — never left to wait out
        the ack wait."""
        self._stopping = True
        in_flight = set(self._in_flight)
        if not in_flight:
            return
        _, unfinished = await asyncio.wait(in_flight, timeout=grace_seconds)
        for work in unfinished:
            work.cancel()
        if unfinished:
            log.warning("stopping: %d batch(es) did not finish in %.0fs; rolled back and handed back", len(unfinished), grace_seconds)
            await asyncio.wait(unfinished)

    async def _retry_later(self, route: Route[Any], msg: Msg, event: Event, error: Exception) -> None:
        delivered = msg.metadata.num_delivered or 1
        HANDLED.labels(route.consumer, "failed").inc()
        with correlated(event.correlation_id):
            log.error(
                "%s failed on %s %s (delivery %d); retrying",
                route.consumer, event.subject, event.event_id, delivered, exc_info=error,
            )
        await msg.nak(delay=retry_delay(delivered))

    async def _dead_letter(self, route: Route[Any], msg: Msg, reason: str) -> None:
        js = self.jetstream()
        try:
            if js is None:
                raise ConnectionError("not connected to NATS")
            await js.publish(
                dead_letter_subject(self.namespace, route.consumer),
                msg.data,
                headers={
                    "Nats-Msg-Id": f"dead-{route.consumer}-{msg.metadata.sequence.stream}",
                    "Original-Subject": msg.subject,
                    "Reason": reason[:1000],
                },
            )
        except Exception:  # noqa: BLE001 - keep the message rather than lose it
            log.exception("could not dead-letter an unreadable event for %s; it will come back", route.consumer)
            await msg.nak(delay=MAX_RETRY_DELAY_SECONDS)
            return
        HANDLED.labels(route.consumer, "rejected").inc()
        log.error("rejected event for %s (copied to the dead-letter stream): %s", route.consumer, reason)
        await msg.term()
