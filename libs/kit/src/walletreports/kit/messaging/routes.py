"""What a service handles: event class -> handler, under a durable consumer name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from walletreports.contracts import Event

from ..log import correlated
from .unit_of_work import UnitOfWork

E = TypeVar("E", bound=Event)
Handler = Callable[[E, UnitOfWork], Awaitable[None]]
# Takes several events of one consumer at once (see EventHandlers.on_batch).
BatchHandler = Callable[[Sequence[E], UnitOfWork], Awaitable[None]]


@dataclass(frozen=True)
class Route(Generic[E]):
    event_cls: type[E]
    handle: BatchHandler[E]  # events not seen before by this consumer, in one transaction
    consumer: str  # durable name, also the inbox key


def one_at_a_time(handler: Handler[E]) -> BatchHandler[E]:
    async def handle(events: Sequence[E], uow: UnitOfWork) -> None:
        for event in events:
            with correlated(event.correlation_id):
                await handler(event, uow)

    return handle


class EventHandlers:
    """A service's handlers:

        handlers = EventHandlers("orders")

        @handlers.on(PaymentFinalized)
        async def mark_paid(event: PaymentFinalized, uow: UnitOfWork) -> None: ...

    A handler whose effect is a set of rows (a projection, a log) can take the
    events of a batch at once and write them with one statement:

        @handlers.on_batch(UserRegistered)
        async def remember(events: Sequence[UserRegistered], uow: UnitOfWork) -> None: ...

    Either way the events come in one transaction with their inbox claims; when a
    handler raises, the kit rolls back and calls it again with one event at a time,
    so a failure stays with its own event.
    """

    def __init__(self, service: str) -> None:
        self.service = service
        self.routes: list[Route[Any]] = []

    def on(self, event_cls: type[E], *, name: str | None = None) -> Callable[[Handler[E]], Handler[E]]:
        def register(handler: Handler[E]) -> Handler[E]:
            self._add(event_cls, one_at_a_time(handler), name or handler.__name__)
            return handler

        return register

    def on_batch(self, event_cls: type[E], *, name: str | None = None) -> Callable[[BatchHandler[E]], BatchHandler[E]]:
        def register(handler: BatchHandler[E]) -> BatchHandler[E]:
            self._add(event_cls, handler, name or handler.__name__)
            return handler

        return register

    def _add(self, event_cls: type[E], handle: BatchHandler[E], name: str) -> None:
        consumer = f"{self.service}__{name}"
        if any(r.consumer == consumer for r in self.routes):
            raise ValueError(f"consumer name {consumer!r} is used twice")
        self.routes.append(Route(event_cls, handle, consumer))
