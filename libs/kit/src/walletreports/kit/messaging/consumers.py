"""Event consumers: durable JetStream pull consumers with explicit acks and an inbox.

A service declares what it handles:

    handlers = EventHandlers("orders")

    @handlers.on(PaymentFinalized)
    async def mark_paid(event: PaymentFinalized, uow: UnitOfWork) -> None: ...

and the runtime binds them to the broker. For each message:
- it cannot be parsed (unknown subject, bad payload): logged with the reason and
  terminated — redelivering it would never help, and the log line names the problem;
- it was handled before (inbox): acked, nothing runs;
- the handler raises: the transaction rolls back (inbox claim included) and the message
  is NAK'd with a growing delay, so it comes back; it is never dropped silently;
- otherwise the effect, the inbox row and any emitted events commit together, then ack.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from faststream.middlewares import AckPolicy
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.annotations import NatsMessage
from nats.js.api import ConsumerConfig, DeliverPolicy
from prometheus_client import Counter

from walletreports.contracts import Event, InvalidEvent, parse_event, stream_name, wire_subject

from ..log import correlated
from .inbox import Inbox
from .unit_of_work import UnitOfWork, UnitsOfWork

log = logging.getLogger(__name__)

E = TypeVar("E", bound=Event)
Handler = Callable[[E, UnitOfWork], Awaitable[None]]

HANDLED = Counter("events_handled_total", "Events taken off the bus", ["consumer", "outcome"])

ACK_WAIT_SECONDS = 60
MAX_CONCURRENT_MESSAGES = 8
MAX_RETRY_DELAY_SECONDS = 60.0


@dataclass(frozen=True)
class Route(Generic[E]):
    event_cls: type[E]
    handler: Handler[E]
    consumer: str  # durable name, also the inbox key


class EventHandlers:
    def __init__(self, service: str) -> None:
        self.service = service
        self.routes: list[Route[Any]] = []

    def on(self, event_cls: type[E], *, name: str | None = None) -> Callable[[Handler[E]], Handler[E]]:
        def register(handler: Handler[E]) -> Handler[E]:
            consumer = f"{self.service}__{name or handler.__name__}"
            if any(r.consumer == consumer for r in self.routes):
                raise ValueError(f"consumer name {consumer!r} is used twice")
            self.routes.append(Route(event_cls, handler, consumer))
            return handler

        return register


def retry_delay(num_delivered: int) -> float:
    return min(0.5 * 2 ** max(num_delivered - 1, 0), MAX_RETRY_DELAY_SECONDS)


class EventConsumer:
    def __init__(self, units: UnitsOfWork, inbox: Inbox, namespace: str) -> None:
        self.units = units
        self.inbox = inbox
        self.namespace = namespace

    def bind(self, broker: NatsBroker, handlers: EventHandlers) -> None:
        for route in handlers.routes:
            self._bind_route(broker, route)

    def _bind_route(self, broker: NatsBroker, route: Route[Any]) -> None:
        cls = route.event_cls

        async def on_message(msg: NatsMessage) -> None:
            await self.deliver(route, msg)

        on_message.__name__ = route.consumer
        broker.subscriber(
            wire_subject(self.namespace, cls.subject),
            stream=JStream(stream_name(self.namespace, cls.producer), declare=False),
            durable=route.consumer,
            pull_sub=PullSub(batch_size=32, timeout=2.0),
            # Messages are handled concurrently; handlers never rely on order (the
            # inbox and the domain's transition guards make them order-proof).
            max_workers=MAX_CONCURRENT_MESSAGES,
            ack_policy=AckPolicy.MANUAL,
            config=ConsumerConfig(
                ack_wait=ACK_WAIT_SECONDS,
                deliver_policy=DeliverPolicy.ALL,
                max_deliver=-1,
            ),
        )(on_message)

    async def deliver(self, route: Route[Any], msg: NatsMessage) -> None:
        raw = msg.raw_message
        subject = raw.subject.removeprefix(f"{self.namespace}.")
        try:
            event = parse_event(subject, msg.body)
        except InvalidEvent as exc:
            HANDLED.labels(route.consumer, "rejected").inc()
            log.error("rejected event for %s: %s", route.consumer, exc)
            await msg.reject()
            return
        with correlated(event.correlation_id):
            try:
                async with self.units() as uow:
                    if not await self.inbox.claim(uow.session, route.consumer, event):
                        HANDLED.labels(route.consumer, "duplicate").inc()
                        log.info("duplicate %s %s skipped by %s", subject, event.event_id, route.consumer)
                    else:
                        await route.handler(event, uow)
                        HANDLED.labels(route.consumer, "handled").inc()
            except Exception:  # noqa: BLE001 - retried, never dropped
                delivered = raw.metadata.num_delivered or 1
                HANDLED.labels(route.consumer, "failed").inc()
                log.exception(
                    "%s failed on %s %s (delivery %d); retrying", route.consumer, subject, event.event_id, delivered
                )
                await msg.nack(delay=retry_delay(delivered))
                return
            await msg.ack()
