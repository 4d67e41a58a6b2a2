"""What the use cases need from storage, as protocols: the ports the adapters implement.

Use cases are typed against these, not against the SQL classes, so the unit tests' fakes
(tests/unit/fakes.py) and the real `adapters.unit_of_work.OrdersUnitOfWork` both fit
them structurally and a type checker holds the two to the same shape. Only what a use
case calls is here; the read side (`uow.views`) belongs to the entrypoints.

The unit of work exposes its repositories as read-only properties: a protocol attribute
that could be assigned would have to match the real classes' types exactly.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from walletreports.contracts import Event

from ..domain import Order, OrderPrice, Subscription


@dataclass(frozen=True)
class IntakeState:
    """Whether new orders are accepted, as dune_runner's last intake event said."""

    paused: bool
    reason: str
    as_of: datetime


@dataclass(frozen=True)
class StoredRequest:
    """The first request under an idempotency key, and the response it got."""

    fingerprint: str
    status: int
    body: Any


class OrderRepositoryPort(Protocol):
    async def add(
        self, order: Order, *, price: OrderPrice, user_email: str, placed_by: str
    ) -> None:
        """Store a new order (with its plan terms, and any history it already made)."""

    async def get(self, order_id: uuid.UUID, *, lock: bool = False) -> Order | None:
        """The order with everything on it, or None; `lock` holds it until commit."""

    async def for_user(self, user_id: uuid.UUID) -> list[Order]:
        """The user's orders to read, without history; not to be saved."""

    async def save(self, order: Order, *, now: datetime) -> None:
        """Write an order loaded with `get` (or added): its state and its new history."""


class SubscriptionRepositoryPort(Protocol):
    async def latest_for_user(
        self, user_id: uuid.UUID, *, lock: bool = False
    ) -> Subscription | None:
        """The active subscription, else the last to expire, else None."""

    async def due_for_expiry(self, now: datetime, *, limit: int) -> list[Subscription]:
        """Active subscriptions whose time is up (locked; others' locked rows skipped)."""

    async def save(self, sub: Subscription, *, now: datetime) -> None:
        """Insert or update the subscription."""


class IntakePort(Protocol):
    async def current(self) -> IntakeState:
        """The intake switch as last recorded."""

    async def record(self, *, paused: bool, reason: str, as_of: datetime) -> bool:
        """Apply a pause/resume unless a newer one was applied already; True if applied."""


class IdempotencyPort(Protocol):
    async def claim(self, key: str, fingerprint: str) -> StoredRequest | None:
        """None when this transaction now owns `key`; else what the first request stored."""

    async def remember(self, key: str, status: int, body: Any) -> None:
        """Keep the response for the key this transaction claimed."""

    async def delete_older_than(self, age: timedelta) -> int:
        """Forget keys claimed more than `age` ago; returns how many."""


class OrdersUnitOfWorkPort(Protocol):
    """One transaction: what the use cases change, and the events to publish if it commits."""

    @property
    def orders(self) -> OrderRepositoryPort: ...

    @property
    def subscriptions(self) -> SubscriptionRepositoryPort: ...

    @property
    def intake(self) -> IntakePort: ...

    @property
    def idempotency(self) -> IdempotencyPort: ...

    async def emit(self, *events: Event) -> None:
        """Publish these events if, and only if, this transaction commits."""
