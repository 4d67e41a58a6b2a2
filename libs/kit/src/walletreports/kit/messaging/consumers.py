"""Event consumers: durable JetStream pull consumers with explicit acks and an inbox.

A service declares what it handles:

    handlers = EventHandlers("orders")

    @handlers.on(PaymentFinalized)
    async def mark_paid(event: PaymentFinalized, uow: UnitOfWork) -> None: ...

and the runtime binds them to FastStream pull subscribers (manual acks). For each
message:
- one that cannot be parsed (unknown subject, bad payload) is copied with the reason
  to the dead-letter stream, logged, and only then terminated — redelivering it would
  never help, and nothing is dropped unseen (if the copy fails, it is NAK'd instead);
- the rest are claimed in the inbox and handled; an event already in the inbox (a
  redelivery or a duplicate publish) is acked without running the handler again;
- a handler that raises rolls back its transaction (inbox claim included) and its
  message is NAK'd with a growing delay, so it comes back; it is never dropped.

Messages that arrive together are handled together in one transaction (group
commit, see GroupCommitter): a transaction per message costs more than the handler.
If any handler of a group raises, the group is redone one message per transaction so
the failure stays with its own message. Handlers therefore never rely on running
alone or in order. A group takes its rows' locks in correlation-id order (fewer
deadlocks between replicas) and must finish well inside the ack wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import cast
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from faststream.middlewares import AckPolicy
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.annotations import NatsMessage
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy
from prometheus_client import Counter

from walletreports.contracts import Event, InvalidEvent, parse_event, stream_name, wire_subject

from ..log import correlated
from .inbox import Inbox
from .streams import dead_letter_subject
from .unit_of_work import UnitOfWork, UnitsOfWork

log = logging.getLogger(__name__)

E = TypeVar("E", bound=Event)
Handler = Callable[[E, UnitOfWork], Awaitable[None]]

HANDLED = Counter("events_handled_total", "Events taken off the bus", ["consumer", "outcome"])

ACK_WAIT_SECONDS = 60
GROUP_SIZE = 64  # messages in flight per consumer, and at most per transaction
GROUP_DEADLINE_SECONDS = ACK_WAIT_SECONDS / 2  # a stuck group fails before JetStream redelivers
MAX_RETRY_DELAY_SECONDS = 60.0


class ConsumerStopped(Exception):
    """The service is stopping; the message goes back to JetStream for another replica."""


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


class GroupCommitter:
    """Handles the events of one consumer that are waiting at the same moment in one
    transaction; each caller gets its own event's outcome."""

    def __init__(self, route: Route[Any], units: UnitsOfWork, inbox: Inbox) -> None:
        self.route = route
        self.units = units
        self.inbox = inbox
        self._queue: asyncio.Queue[tuple[Event, asyncio.Future[bool]]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def handle(self, event: Event) -> bool:
        """True if handled now, False if it had been handled before; raises if it failed."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name=f"group-commit-{self.route.consumer}")
            self._task.add_done_callback(self._log_unexpected_end)
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((event, future))
        return await future

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        while not self._queue.empty():
            _settle(self._queue.get_nowait()[1], exc=ConsumerStopped("the service is stopping"))

    def _log_unexpected_end(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("group commit for %s ended unexpectedly", self.route.consumer, exc_info=task.exception())

    async def _run(self) -> None:
        while True:
            group = [await self._queue.get()]
            while len(group) < GROUP_SIZE and not self._queue.empty():
                group.append(self._queue.get_nowait())
            try:
                await self._settle_group(group)
            finally:
                # Whatever ended this round (cancellation at shutdown included), no
                # caller may be left waiting: its message must be acked or NAK'd.
                for _, future in group:
                    _settle(future, exc=ConsumerStopped("the service is stopping"))

    async def _settle_group(self, group: list[tuple[Event, asyncio.Future[bool]]]) -> None:
        try:
            fresh = await self._handle_together([event for event, _ in group])
        except Exception as exc:  # noqa: BLE001 - isolate the failure below
            if len(group) == 1:
                _settle(group[0][1], exc=exc)
                return
            for event, future in group:
                try:
                    _settle(future, result=bool(await self._handle_together([event])))
                except Exception as single:  # noqa: BLE001 - goes back to its own message
                    _settle(future, exc=single)
            return
        for event, future in group:
            # Only the first copy of an event counts as handled; later copies are duplicates.
            _settle(future, result=event.event_id in fresh)
            fresh.discard(event.event_id)

    async def _handle_together(self, events: list[Event]) -> set[Any]:
        """Claim and handle events in one transaction; returns the ids handled now."""
        async with asyncio.timeout(GROUP_DEADLINE_SECONDS), self.units() as uow:
            fresh = await self.inbox.claim_many(uow.session, self.route.consumer, events)
            pending = set(fresh)
            # One lock order for everyone: by correlation id (the order whose rows a
            # handler locks), so groups on different replicas rarely deadlock.
            for event in sorted(events, key=lambda e: e.correlation_id or ""):
                if event.event_id not in pending:
                    continue  # seen before, or a second copy within this group
                pending.discard(event.event_id)
                with correlated(event.correlation_id):
                    await self.route.handler(event, uow)
        return set(fresh)


def _settle(future: asyncio.Future[bool], *, result: bool = False, exc: BaseException | None = None) -> None:
    if future.done():  # the waiting message was cancelled (shutdown)
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result)


class EventConsumer:
    def __init__(
        self, units: UnitsOfWork, inbox: Inbox, namespace: str, jetstream: Callable[[], JetStreamContext | None]
    ) -> None:
        self.units = units
        self.inbox = inbox
        self.namespace = namespace
        self.jetstream = jetstream
        self.committers: list[GroupCommitter] = []

    def bind(self, broker: NatsBroker, handlers: EventHandlers) -> None:
        for route in handlers.routes:
            self._bind_route(broker, route)

    async def close(self) -> None:
        for committer in self.committers:
            await committer.close()

    def _bind_route(self, broker: NatsBroker, route: Route[Any]) -> None:
        cls = route.event_cls
        committer = GroupCommitter(route, self.units, self.inbox)
        self.committers.append(committer)

        async def on_message(msg: NatsMessage) -> None:
            await self.deliver(route, committer, msg)

        on_message.__name__ = route.consumer
        broker.subscriber(
            wire_subject(self.namespace, cls.subject),
            stream=JStream(stream_name(self.namespace, cls.producer), declare=False),
            durable=route.consumer,
            pull_sub=PullSub(batch_size=GROUP_SIZE, timeout=2.0),
            # Concurrent workers are what let messages wait together for one commit.
            max_workers=GROUP_SIZE,
            ack_policy=AckPolicy.MANUAL,
            config=ConsumerConfig(
                ack_wait=ACK_WAIT_SECONDS,
                deliver_policy=DeliverPolicy.ALL,
                max_deliver=-1,
                max_ack_pending=GROUP_SIZE * 16,
            ),
        )(on_message)

    async def deliver(self, route: Route[Any], committer: GroupCommitter, msg: NatsMessage) -> None:
        raw = msg.raw_message
        subject = raw.subject.removeprefix(f"{self.namespace}.")
        try:
            event = parse_event(subject, msg.body)
        except InvalidEvent as exc:
            await self._dead_letter(route, msg, str(exc))
            return
        try:
            handled_now = await committer.handle(event)
        except ConsumerStopped:
            await msg.nack()  # straight back to JetStream, for a replica that is not stopping
            return
        except Exception:  # noqa: BLE001 - retried, never dropped
            delivered = raw.metadata.num_delivered or 1
            HANDLED.labels(route.consumer, "failed").inc()
            with correlated(event.correlation_id):
                log.exception(
                    "%s failed on %s %s (delivery %d); retrying", route.consumer, subject, event.event_id, delivered
                )
            await msg.nack(delay=retry_delay(delivered))
            return
        HANDLED.labels(route.consumer, "handled" if handled_now else "duplicate").inc()
        await msg.ack()

    async def _dead_letter(self, route: Route[Any], msg: NatsMessage, reason: str) -> None:
        raw = msg.raw_message
        js = self.jetstream()
        try:
            if js is None:
                raise ConnectionError("not connected to NATS")
            await js.publish(
                dead_letter_subject(self.namespace, route.consumer),
                cast(bytes, raw.data),
                headers={
                    "Nats-Msg-Id": f"dead-{route.consumer}-{raw.metadata.sequence.stream}",
                    "Original-Subject": raw.subject,
                    "Reason": reason[:1000],
                },
            )
        except Exception:  # noqa: BLE001 - keep the message rather than lose it
            log.exception("could not dead-letter an unreadable event for %s; it will come back", route.consumer)
            await msg.nack(delay=MAX_RETRY_DELAY_SECONDS)
            return
        HANDLED.labels(route.consumer, "rejected").inc()
        log.error("rejected event for %s (copied to the dead-letter stream): %s", route.consumer, reason)
        await msg.reject()
