"""Event consumers: durable JetStream pull consumers with explicit acks and an inbox.

Each route of a service's EventHandlers gets a durable pull consumer with explicit
acks, and PULLERS_PER_CONSUMER pull loops of the kit's own (see pull_loop) on the
FastStream broker's connection. The messages waiting for a consumer are fetched
together (up to GROUP_SIZE; a partial batch waits at most BATCH_WAIT_SECONDS to fill,
which is the extra latency at low load) and handled in one transaction (see
GroupCommitter). Per message:
- one that cannot be parsed (unknown subject, bad payload) is copied with the reason
  to the dead-letter stream, logged, and only then terminated — redelivering it would
  never help, and nothing is dropped unseen (if the copy fails, it is NAK'd instead);
- the rest are claimed in the inbox and handled; an event already in the inbox (a
  redelivery or a duplicate publish) is acked without running the handler again;
- a handler that raises rolls back its own effects (inbox claim included) and its
  message is NAK'd with a growing delay, so it comes back; it is never dropped;
- when the service stops, no new batch is fetched; batches being handled get a few
  seconds to finish, then are cancelled (rolled back) and NAK'd for another replica,
  before the connection closes (see EventConsumer.stop). A message JetStream sent for
  a fetch that had already given up, or a NAK that cannot be sent, comes back after
  the ack wait.

Why batches: FastStream's per-message path (dependency injection, middlewares, a
task per message) cost about ten times what the batch path costs per message here,
more than the handler and its share of the commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from faststream.nats import NatsBroker
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy as JsAckPolicy
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.errors import APIError, BadRequestError

from walletreports.contracts import Event, InvalidEvent, parse_event, stream_name, wire_subject

from ..log import correlated
from .group_commit import ACK_WAIT_SECONDS, GroupCommitter, Outcome
from .inbox import Inbox
from .metrics import HANDLED
from .pull_loop import pull
from .routes import EventHandlers, Handler, Route
from .streams import dead_letter_subject
from .unit_of_work import UnitsOfWork

__all__ = ["HANDLED", "ConsumerConfigError", "EventConsumer", "EventHandlers", "Handler", "Route"]

log = logging.getLogger(__name__)


GROUP_SIZE = 128  # messages fetched at once, and at most per transaction
# Pull loops per durable consumer in one process: while one batch waits on the
# database, the next is fetched and handled (as another replica's loop would).
PULLERS_PER_CONSUMER = 2
BATCH_WAIT_SECONDS = 0.1
# An idle consumer's fetch waits this long for its first message (a long poll: it
# returns as soon as one is there; a stop ends it at once).
IDLE_WAIT_SECONDS = 5.0
MAX_RETRY_DELAY_SECONDS = 60.0
GIVE_BACK_DELAY_SECONDS = 1.0
# How long a stopping loop gets to hand back a batch cut short before it is cancelled.
HAND_BACK_SECONDS = 2.0


class Routes(Protocol):
    """What bind takes: a service's handlers, ready to run."""

    @property
    def routes(self) -> Sequence[Route[Any]]: ...


class ConsumerConfigError(Exception):
    """A durable consumer on the server that cannot be brought to the config here."""


# JetStream's "consumer create/update failed" (for instance "deliver policy can not be
# updated"), which it answers with code 500 although nothing is wrong with the server.
CONSUMER_UPDATE_REFUSED = 10012


def _refused_config(exc: APIError) -> bool:
    return isinstance(exc, BadRequestError) or exc.err_code == CONSUMER_UPDATE_REFUSED


def retry_delay(num_delivered: int) -> float:
    # The exponent is capped (far past the ceiling): 0.5 * 2 ** 1100 would not fit a float.
    exponent = min(max(num_delivered - 1, 0), 32)
    return min(0.5 * 2.0**exponent, MAX_RETRY_DELAY_SECONDS)


async def _give_back(messages: Iterable[Msg]) -> None:
    """NAK for another replica. The short delay keeps them away from the fetches this
    replica still has under way while it stops."""
    for msg in messages:
        # The connection may be going; then the ack wait brings it back.
        with contextlib.suppress(Exception):
            await msg.nak(delay=GIVE_BACK_DELAY_SECONDS)


class EventConsumer:
    def __init__(
        self,
        units: UnitsOfWork[Any],
        inbox: Inbox,
        namespace: str,
        jetstream: Callable[[], JetStreamContext | None],
    ) -> None:
        self.units = units
        self.inbox = inbox
        self.namespace = namespace
        self.jetstream = jetstream
        self._stopping = asyncio.Event()
        self._in_flight: set[asyncio.Task[list[Outcome]]] = set()
        self._broker: NatsBroker | None = None
        self._bound: list[tuple[Route[Any], GroupCommitter]] = []
        self._loops: set[asyncio.Task[None]] = set()
        self._subscriptions: list[JetStreamContext.PullSubscription] = []

    def bind(self, broker: NatsBroker, handlers: Routes) -> None:
        """Take the service's routes. Their pull loops run on the broker's connection
        and start in `declare`, once their durable consumers exist."""
        self._broker = broker
        self._bound = [
            (route, GroupCommitter(route, self.units, self.inbox)) for route in handlers.routes
        ]

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
        """Create each durable consumer, or bring an existing one to this config (a
        pull subscription only binds to a consumer that exists, keeping whatever config
        it was created with: an ack wait or window changed here would never apply).
        Then start the bound routes' pull loops (see start)."""
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
        await self.start(js)

    async def start(self, js: JetStreamContext) -> None:
        """Start PULLERS_PER_CONSUMER pull loops per bound route, each on a pull
        subscription of its own. Their consumers must exist (declare). Only the
        first call after bind starts anything, and nothing starts once stopping."""
        if self._loops or self._stopping.is_set():
            return
        subscriptions: list[
            tuple[Route[Any], GroupCommitter, JetStreamContext.PullSubscription]
        ] = []
        try:
            for route, committer in self._bound:
                stream = stream_name(self.namespace, route.event_cls.producer)
                for _ in range(PULLERS_PER_CONSUMER):
                    sub = await js.pull_subscribe_bind(durable=route.consumer, stream=stream)
                    subscriptions.append((route, committer, sub))
        except BaseException:
            await _unsubscribe(sub for _, _, sub in subscriptions)
            raise
        for route, committer, sub in subscriptions:
            self._subscriptions.append(sub)
            loop = asyncio.create_task(
                pull(
                    sub,
                    functools.partial(self.deliver, route, committer),
                    size=GROUP_SIZE,
                    wait=BATCH_WAIT_SECONDS,
                    idle_wait=IDLE_WAIT_SECONDS,
                    stopping=self._stopping,
                    connected=self._connected,
                    name=route.consumer,
                ),
                name=f"pull-{route.consumer}",
            )
            loop.add_done_callback(_log_if_crashed)
            self._loops.add(loop)

    def _connected(self) -> bool:
        try:
            return self._broker is not None and self._broker.connection.is_connected
        except Exception:  # noqa: BLE001 - FastStream has no connection (yet, or any more)
            return False

    async def deliver(
        self, route: Route[Any], committer: GroupCommitter, messages: Sequence[Msg]
    ) -> None:
        if self._stopping.is_set():
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
        work = asyncio.create_task(committer.handle([event for _, event in readable]))  # noqa: RUF006 - held in _in_flight (a ruff false positive)
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
        """Called before the broker stops, while its connection is still up: no pull
        loop starts a new batch, and a batch fetched from now on goes straight back;
        those being handled get `grace_seconds` to finish, then are cancelled (rolled
        back) and NAK'd — never left to wait out the ack wait."""
        self._stopping.set()
        loops = set(self._loops)
        # A loop ends once its batch is settled; one not handling a batch ends at
        # once (an idle long poll) or within BATCH_WAIT_SECONDS (a batch filling).
        waiting = loops | self._in_flight
        if waiting:
            await asyncio.wait(waiting, timeout=grace_seconds)
        unfinished = {work for work in self._in_flight if not work.done()}
        for work in unfinished:
            work.cancel()  # its loop hands the batch back (deliver)
        if unfinished:
            log.warning(
                "stopping: %d batch(es) did not finish in %.0fs; rolled back and handed back",
                len(unfinished),
                grace_seconds,
            )
            await asyncio.wait(unfinished)
        running = {loop for loop in loops if not loop.done()}
        if running:
            _, stuck = await asyncio.wait(running, timeout=HAND_BACK_SECONDS)
            for loop in stuck:
                loop.cancel()
            if stuck:
                await asyncio.wait(stuck)
        self._loops.clear()
        subscriptions, self._subscriptions = self._subscriptions, []
        await _unsubscribe(subscriptions)

    async def _retry_later(
        self, route: Route[Any], msg: Msg, event: Event, error: Exception
    ) -> None:
        delivered = msg.metadata.num_delivered or 1
        HANDLED.labels(route.consumer, "failed").inc()
        with correlated(event.correlation_id):
            log.error(
                "%s failed on %s %s (delivery %d); retrying",
                route.consumer,
                event.subject,
                event.event_id,
                delivered,
                exc_info=error,
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
        except Exception:  # keep the message rather than lose it
            log.exception(
                "could not dead-letter an unreadable event for %s; it will come back",
                route.consumer,
            )
            await msg.nak(delay=MAX_RETRY_DELAY_SECONDS)
            return
        HANDLED.labels(route.consumer, "rejected").inc()
        log.error(
            "rejected event for %s (copied to the dead-letter stream): %s", route.consumer, reason
        )
        await msg.term()


async def _unsubscribe(subscriptions: Iterable[JetStreamContext.PullSubscription]) -> None:
    for sub in subscriptions:
        # The connection may be going; it takes its subscriptions with it.
        with contextlib.suppress(Exception):
            await sub.unsubscribe()


def _log_if_crashed(loop: asyncio.Task[None]) -> None:
    """A pull loop must never die unseen."""
    if not loop.cancelled() and loop.exception() is not None:
        log.critical("pull loop %s died", loop.get_name(), exc_info=loop.exception())
