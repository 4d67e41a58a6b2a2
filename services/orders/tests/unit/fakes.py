"""In-memory stand-ins for the orders unit of work and its repositories (cosmicpython's
fakes), so service-layer tests run in milliseconds and without a database.

They keep the real adapters' semantics where a use case could tell the difference:
- orders come back as copies (a change is stored only by `save`), with the plan terms
  and the payment issues (ids assigned on save, like the database's) on the order; only
  an order loaded with `get` (or added) may be saved, and history is append-only;
- the latest subscription per user is the active one, else the last to expire;
- intake: the newest event wins (an older `as_of` changes nothing);
- idempotency: the first claim owns a key, later claims get what it remembered;
- lock flags change nothing (one test, one task) but are recorded, so a test can
  check that a use case locks what it changes.

`FakeUnitOfWork` collects emitted events; used as `async with uow:` it commits on a clean
exit (`committed`) and on an exception rolls back every repository and the events, as
the real transaction would.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, TypeVar

from walletreports.contracts import Event
from walletreports.devkit.testing.fake_unit_of_work import FakeUnitOfWorkBase
from walletreports.orders.domain import (
    Order,
    OrderPrice,
    PaymentNeedsReview,
    Subscription,
    SubscriptionStatus,
)
from walletreports.orders.service_layer.ports import (
    IntakeState,
    OrdersUnitOfWorkPort,
    StoredRequest,
)

# Before any real event: what the migration seeds intake_state with.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

E = TypeVar("E", bound=Event)


class Load(NamedTuple):
    order_id: uuid.UUID
    lock: bool


class Placement(NamedTuple):
    """What `add` stores beside the order (the real repository's row columns)."""

    price: OrderPrice
    user_email: str
    placed_by: str


class FakeOrderRepository:
    def __init__(self, *orders: Order) -> None:
        self._rows: dict[uuid.UUID, Order] = {}
        self._next_issue_id = 1
        # Orders this unit of work may save (loaded with `get`, or added).
        self._loaded: set[uuid.UUID] = set()
        self.loads: list[Load] = []
        self.saves: list[uuid.UUID] = []
        self.placements: dict[uuid.UUID, Placement] = {}
        for order in orders:
            self._store(order)

    # --- the port ------------------------------------------------------------------

    async def add(
        self, order: Order, *, price: OrderPrice, user_email: str, placed_by: str
    ) -> None:
        if order.id in self._rows:
            raise ValueError(f"order {order.id} exists already (primary key)")
        self._store(order)
        self._loaded.add(order.id)
        self.placements[order.id] = Placement(price, user_email, placed_by)

    async def get(self, order_id: uuid.UUID, *, lock: bool = False) -> Order | None:
        self.loads.append(Load(order_id, lock))
        row = self._rows.get(order_id)
        if row is None:
            return None
        self._loaded.add(order_id)
        return copy.deepcopy(row)

    async def for_user(self, user_id: uuid.UUID) -> list[Order]:
        # Like the real one: without history, and not a licence to save.
        mine = sorted(
            (o for o in self._rows.values() if o.user_id == user_id), key=lambda o: o.created_at
        )
        return [replace(copy.deepcopy(o), history=[]) for o in mine]

    async def save(self, order: Order, *, now: datetime) -> None:
        if order.id not in self._loaded:
            raise ValueError(f"order {order.id} was not loaded to be changed in this unit of work")
        before = self._rows[order.id]
        # The real repository only appends: a rewritten past would be lost silently there.
        if order.history[: len(before.history)] != before.history:
            raise AssertionError(f"order {order.id}: saved history rewrites stored history")
        stored_issues = [replace(i, id=None) for i in before.payment_issues]
        if [replace(i, id=None) for i in order.payment_issues[: len(stored_issues)]] != (
            stored_issues
        ):
            raise AssertionError(f"order {order.id}: saved payment issues rewrite stored ones")
        self._store(order)
        self.saves.append(order.id)

    # --- for tests -----------------------------------------------------------------

    def stored(self, order_id: uuid.UUID) -> Order:
        """The order as the database would now hold it."""
        return copy.deepcopy(self._rows[order_id])

    @property
    def ids(self) -> list[uuid.UUID]:
        return list(self._rows)

    def _store(self, order: Order) -> None:
        row = copy.deepcopy(order)
        row.payment_issues = [self._with_id(i) for i in row.payment_issues]
        self._rows[order.id] = row

    def _with_id(self, issue: PaymentNeedsReview) -> PaymentNeedsReview:
        if issue.id is not None:
            return issue
        issue_id, self._next_issue_id = self._next_issue_id, self._next_issue_id + 1
        return replace(issue, id=issue_id)


class FakeSubscriptionRepository:
    def __init__(self, *subscriptions: Subscription) -> None:
        self._rows: dict[uuid.UUID, Subscription] = {s.id: s for s in subscriptions}
        self.saves: list[Subscription] = []
        self.locked_users: list[uuid.UUID] = []

    async def latest_for_user(
        self, user_id: uuid.UUID, *, lock: bool = False
    ) -> Subscription | None:
        if lock:
            self.locked_users.append(user_id)
        mine = sorted(
            (s for s in self._rows.values() if s.user_id == user_id),
            key=lambda s: s.expires_at,
            reverse=True,
        )
        mine.sort(key=lambda s: s.status is not SubscriptionStatus.ACTIVE)  # stable
        return mine[0] if mine else None

    async def due_for_expiry(self, now: datetime, *, limit: int) -> list[Subscription]:
        due = [
            s
            for s in self._rows.values()
            if s.status is SubscriptionStatus.ACTIVE and s.expires_at <= now
        ]
        return sorted(due, key=lambda s: s.expires_at)[:limit]

    async def save(self, sub: Subscription, *, now: datetime) -> None:
        self._rows[sub.id] = sub
        self.saves.append(sub)

    def of_user(self, user_id: uuid.UUID) -> list[Subscription]:
        return [s for s in self._rows.values() if s.user_id == user_id]


class FakeIntake:
    def __init__(self, state: IntakeState | None = None) -> None:
        self.state = state or IntakeState(paused=False, reason="", as_of=EPOCH)

    async def current(self) -> IntakeState:
        return self.state

    async def record(self, *, paused: bool, reason: str, as_of: datetime) -> bool:
        if as_of <= self.state.as_of:
            return False
        self.state = IntakeState(paused=paused, reason=reason, as_of=as_of)
        return True


@dataclass
class _Key:
    fingerprint: str
    created_at: datetime
    status: int | None = None
    body: Any = None


class FakeIdempotency:
    def __init__(self, now: datetime = EPOCH) -> None:
        # The database's clock, which stamps a claimed key (set it to age keys).
        self.now = now
        self.keys: dict[str, _Key] = {}

    async def claim(self, key: str, fingerprint: str) -> StoredRequest | None:
        if key not in self.keys:
            self.keys[key] = _Key(fingerprint, created_at=self.now)
            return None
        stored = self.keys[key]
        if stored.status is None:
            # The real store makes a second claimer wait until the owner commits (its
            # response is then there) or rolls back (the key is then free).
            raise AssertionError(f"key {key!r} claimed but no response remembered yet")
        return StoredRequest(stored.fingerprint, stored.status, stored.body)

    async def remember(self, key: str, status: int, body: Any) -> None:
        if key in self.keys:  # an UPDATE: a key never claimed changes nothing
            self.keys[key].status, self.keys[key].body = status, body

    async def delete_older_than(self, age: timedelta) -> int:
        old = [k for k, v in self.keys.items() if v.created_at < self.now - age]
        for key in old:
            del self.keys[key]
        return len(old)


class FakeUnitOfWork(FakeUnitOfWorkBase):
    def __init__(
        self,
        *,
        orders: FakeOrderRepository | None = None,
        subscriptions: FakeSubscriptionRepository | None = None,
        intake: FakeIntake | None = None,
        idempotency: FakeIdempotency | None = None,
    ) -> None:
        super().__init__()
        self.orders = orders or FakeOrderRepository()
        self.subscriptions = subscriptions or FakeSubscriptionRepository()
        self.intake = intake or FakeIntake()
        self.idempotency = idempotency or FakeIdempotency()

    def _parts(self) -> list[object]:
        return [self.orders, self.subscriptions, self.intake, self.idempotency]


def as_port(uow: FakeUnitOfWork) -> OrdersUnitOfWorkPort:
    """The fake where the port is expected: a type checker proves it has the port's shape."""
    return uow
