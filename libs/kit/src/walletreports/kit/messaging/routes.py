"""What a service handles: event class -> handler, under a durable consumer name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from walletreports.contracts import Event

from ..injection import inject
from ..log import correlated
from .unit_of_work import UnitOfWork

E = TypeVar("E", bound=Event)
# As written: (event, uow, **collaborators it names) -> None.
Handler = Callable[..., Awaitable[None]]
# Takes several events of one consumer at once (see EventHandlers.on_batch).
BatchHandler = Callable[[Sequence[E], UnitOfWork], Awaitable[None]]


@dataclass(frozen=True)
class Registration:
    """A handler as the service declared it, before its collaborators are bound."""

    event_cls: type[Event]
    handler: Handler
    consumer: str  # durable name, also the inbox key
    batch: bool


@dataclass(frozen=True)
class Route(Generic[E]):
    """A handler ready to run: its collaborators bound, in the batch form."""

    event_cls: type[E]
    handle: BatchHandler[E]  # events not seen before by this consumer, in one transaction
    consumer: str


@dataclass(frozen=True)
class BoundHandlers:
    routes: list[Route[Any]]


def one_at_a_time(handler: Callable[[Any, Any], Awaitable[None]]) -> BatchHandler[Any]:
    async def handle(events: Sequence[Event], uow: UnitOfWork) -> None:
        for event in events:
            with correlated(event.correlation_id):
                await handler(event, uow)

    return handle


class EventHandlers:
    """A service's handlers:

        handlers = EventHandlers("orders")

        @handlers.on(PaymentFinalized)
        async def mark_paid(event: PaymentFinalized, uow: OrdersUnitOfWork, clock: Clock) -> None: ...

    Parameters after the event and the unit of work are collaborators, by name (see
    kit.injection); they are bound once when the service starts.

    A handler whose effect is a set of rows (a projection, a log) can take the
    events of a batch at once and write them with one statement:

        @handlers.on_batch(UserRegistered)
        async def remember(events: Sequence[UserRegistered], uow: UnitOfWork) -> None: ...

    Either way the events come in one transaction with their inbox claims; when a
    handler raises, the kit rolls back and calls it again with one event at a time,
    so a failure stays with its own event. A DomainError is a refusal for good
    (acknowledged, recorded); anything else is retried (see group_commit).
    """

    def __init__(self, service: str) -> None:
        self.service = service
        self.registrations: list[Registration] = []

    def on(self, event_cls: type[E], *, name: str | None = None) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self._add(event_cls, handler, name or handler.__name__, batch=False)
            return handler

        return register

    def on_batch(
        self, event_cls: type[E], *, name: str | None = None
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self._add(event_cls, handler, name or handler.__name__, batch=True)
            return handler

        return register

    @property
    def consumers(self) -> list[str]:
        return [r.consumer for r in self.registrations]

    def bind(self, available: Mapping[str, Any]) -> BoundHandlers:
        """Every handler with the collaborators it names; a WiringError names what is missing."""
        routes: list[Route[Any]] = []
        for r in self.registrations:
            bound = inject(r.handler, available, leading=2)
            routes.append(
                Route(r.event_cls, bound if r.batch else one_at_a_time(bound), r.consumer)
            )
        return BoundHandlers(routes)

    def _add(self, event_cls: type[Event], handler: Handler, name: str, *, batch: bool) -> None:
        consumer = f"{self.service}__{name}"
        if consumer in self.consumers:
            raise ValueError(f"consumer name {consumer!r} is used twice")
        self.registrations.append(Registration(event_cls, handler, consumer, batch))
