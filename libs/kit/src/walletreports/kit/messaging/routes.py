"""What a service handles: event class -> handler, under a durable consumer name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from walletreports.contracts import Event

from .unit_of_work import UnitOfWork

E = TypeVar("E", bound=Event)
Handler = Callable[[E, UnitOfWork], Awaitable[None]]


@dataclass(frozen=True)
class Route(Generic[E]):
    event_cls: type[E]
    handler: Handler[E]
    consumer: str  # durable name, also the inbox key


class EventHandlers:
    """A service's handlers:

        handlers = EventHandlers("orders")

        @handlers.on(PaymentFinalized)
        async def mark_paid(event: PaymentFinalized, uow: UnitOfWork) -> None: ...
    """

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
