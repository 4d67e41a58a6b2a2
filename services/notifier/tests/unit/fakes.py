"""In-memory stand-ins for the notifier unit of work, its repositories, a channel and a
sender (cosmicpython's fakes), so use-case tests run in milliseconds without a database.

They keep the real adapters' semantics where a use case could tell the difference:
- notifications are unique by key (`add` answers False and stores nothing for a taken
  key) and come back as copies (a change is stored only by `save`);
- an order's remembered fields are kept when a newcomer does not know them;
- side effects are unique by (kind, key), as the kit's table; `retry_effect` puts only a
  failed or in-doubt one back to pending.

`FakeUnitOfWork` used as `async with uow:` commits on a clean exit and on an exception
rolls back its repositories, as the real transaction would.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from walletreports.devkit.testing.fake_unit_of_work import FakeUnitOfWorkBase
from walletreports.kit import EffectRequest
from walletreports.notifier.domain import (
    TRANSACTIONAL_TEMPLATES,
    Channel,
    Composed,
    Contact,
    KnownOrder,
    KnownSubscription,
    Notification,
    NotificationStatus,
    OutgoingEmail,
    Preferences,
    Recipient,
    TemplateName,
    message_id,
)
from walletreports.notifier.service_layer.ports import (
    ChannelPort,
    MaybeSent,
    NotifierUnitOfWorkPort,
    NotSent,
)


class FakeContacts:
    def __init__(self, *contacts: Contact) -> None:
        self.rows = {c.user_id: c for c in contacts}

    async def get(self, user_id: uuid.UUID) -> Contact | None:
        return self.rows.get(user_id)

    async def many(self, user_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Contact]:
        return {u: self.rows[u] for u in user_ids if u in self.rows}


class FakeOrders:
    def __init__(self, *orders: KnownOrder) -> None:
        self.rows = {o.order_id: o for o in orders}

    async def get(self, order_id: uuid.UUID) -> KnownOrder | None:
        return self.rows.get(order_id)

    async def many(self, order_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, KnownOrder]:
        return {o: self.rows[o] for o in order_ids if o in self.rows}

    async def remember_many(self, orders: Sequence[KnownOrder]) -> None:
        for order in orders:
            await self.remember(order)

    async def remember(self, order: KnownOrder) -> None:
        old = self.rows.get(order.order_id)
        if old is None:
            self.rows[order.order_id] = order
            return
        kept = {
            name: getattr(order, name) if getattr(order, name) is not None else getattr(old, name)
            for name in ("product", "wallet_address", "description", "price_usd", "paid_via")
        }
        self.rows[order.order_id] = replace(old, user_id=order.user_id, **kept)


class FakeNotifications:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Notification] = {}

    async def exists(self, key: str) -> bool:
        return any(n.key == key for n in self.rows.values())

    async def existing_keys(self, keys: Collection[str]) -> set[str]:
        taken = {n.key for n in self.rows.values()}
        return {k for k in keys if k in taken}

    async def add(self, notification: Notification) -> bool:
        if await self.exists(notification.key):
            return False
        self.rows[notification.id] = copy.deepcopy(notification)
        return True

    async def add_many(self, notifications: Sequence[Notification]) -> set[uuid.UUID]:
        return {n.id for n in notifications if await self.add(n)}

    async def many(
        self, notification_ids: Collection[uuid.UUID], *, lock: bool = False
    ) -> list[Notification]:
        found = [self.rows[i] for i in sorted(set(notification_ids)) if i in self.rows]
        return copy.deepcopy(found)

    async def get(self, notification_id: uuid.UUID, *, lock: bool = False) -> Notification | None:
        found = self.rows.get(notification_id)
        return copy.deepcopy(found)

    async def by_key(self, key: str, *, lock: bool = False) -> Notification | None:
        found = next((n for n in self.rows.values() if n.key == key), None)
        return copy.deepcopy(found)

    async def save(self, notification: Notification) -> None:
        if notification.id not in self.rows:
            raise ValueError(f"notification {notification.id} was never added")
        self.rows[notification.id] = copy.deepcopy(notification)

    async def save_many(self, notifications: Sequence[Notification]) -> None:
        for notification in notifications:
            await self.save(notification)

    async def stale_pending_account_mail(
        self, *, before: datetime, limit: int
    ) -> list[Notification]:
        found = [
            n
            for n in self.rows.values()
            if n.status is NotificationStatus.PENDING
            and n.template in TRANSACTIONAL_TEMPLATES
            and n.updated_at < before
        ]
        return [copy.deepcopy(n) for n in found[:limit]]

    # --- for tests -----------------------------------------------------------------

    def all(self) -> list[Notification]:
        return [copy.deepcopy(n) for n in self.rows.values()]

    def only(self) -> Notification:
        (row,) = self.rows.values()
        return copy.deepcopy(row)

    def by_template(self, template: TemplateName) -> list[Notification]:
        return [copy.deepcopy(n) for n in self.rows.values() if n.template is template]


@dataclass
class Reminded:
    subscription: KnownSubscription
    ended_at: datetime | None = None
    reminded_at: datetime | None = None


class FakeSubscriptions:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Reminded] = {}

    async def remember(self, subscription: KnownSubscription) -> None:
        old = self.rows.get(subscription.subscription_id)
        self.rows[subscription.subscription_id] = Reminded(
            subscription,
            None if old is None else old.ended_at,
            None if old is None else old.reminded_at,
        )

    async def ended(self, subscription_id: uuid.UUID, *, at: datetime) -> None:
        if subscription_id in self.rows:
            self.rows[subscription_id].ended_at = at

    async def due_for_reminder(
        self, *, now: datetime, until: datetime, limit: int
    ) -> list[KnownSubscription]:
        due = [
            r.subscription
            for r in self.rows.values()
            if r.ended_at is None
            and r.reminded_at is None
            and now < r.subscription.expires_at <= until
        ]
        return sorted(due, key=lambda s: s.expires_at)[:limit]

    async def reminded(self, subscription_id: uuid.UUID, *, at: datetime) -> None:
        self.rows[subscription_id].reminded_at = at


@dataclass
class FakeEffect:
    kind: str
    key: str
    payload: dict[str, Any]
    correlation_id: str | None
    status: str = "pending"
    retried: int = 0


class FakeUnitOfWork(FakeUnitOfWorkBase):
    def __init__(
        self,
        *,
        contacts: tuple[Contact, ...] = (),
        orders: tuple[KnownOrder, ...] = (),
    ) -> None:
        super().__init__()
        self.contacts = FakeContacts(*contacts)
        self.orders = FakeOrders(*orders)
        self.notifications = FakeNotifications()
        self.subscriptions = FakeSubscriptions()
        self.effects = FakeEffects()

    def _parts(self) -> list[object]:
        return [self.contacts, self.orders, self.notifications, self.subscriptions, self.effects]

    async def request_effect(
        self, kind: str, key: str, payload: dict[str, Any], *, correlation_id: str | None = None
    ) -> bool:
        return self.effects.request(kind, key, payload, correlation_id)

    async def request_effects(self, requests: Sequence[EffectRequest]) -> list[EffectRequest]:
        return [
            r for r in requests if self.effects.request(r.kind, r.key, r.payload, r.correlation_id)
        ]

    async def retry_effect(self, kind: str, key: str) -> bool:
        return self.effects.retry(kind, key)


class FakeEffects:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], FakeEffect] = {}

    def request(
        self, kind: str, key: str, payload: dict[str, Any], correlation_id: str | None
    ) -> bool:
        if (kind, key) in self.rows:
            return False
        self.rows[(kind, key)] = FakeEffect(kind, key, copy.deepcopy(payload), correlation_id)
        return True

    def retry(self, kind: str, key: str) -> bool:
        effect = self.rows.get((kind, key))
        if effect is None or effect.status not in ("failed", "in_doubt"):
            return False
        effect.status = "pending"
        effect.retried += 1
        return True

    def of(self, notification: Notification) -> FakeEffect:
        return self.rows[(notification.channel.effect_kind, str(notification.id))]

    def settle(self, notification: Notification, status: str) -> None:
        self.of(notification).status = status

    def __len__(self) -> int:
        return len(self.rows)


def units_of(uow: FakeUnitOfWork) -> Any:
    """`units` for a use case that opens its own units of work: always this one."""

    @asynccontextmanager
    async def units() -> AsyncIterator[FakeUnitOfWork]:
        async with uow:
            yield uow

    return units


def as_port(uow: FakeUnitOfWork) -> NotifierUnitOfWorkPort:
    """The fake where the port is expected: a type checker proves it has the port's shape."""
    return uow


@dataclass
class FakeEmailChannel:
    """Composes a readable stand-in of an email (the real templates have their own tests)."""

    staff: tuple[str, ...] = ()
    fail_templates: frozenset[TemplateName] = frozenset()
    composed: list[tuple[TemplateName, Recipient, dict[str, Any]]] = field(default_factory=list)

    @property
    def channel(self) -> Channel:
        return Channel.EMAIL

    def staff_addresses(self) -> tuple[str, ...]:
        return self.staff

    def compose(
        self,
        *,
        notification_id: uuid.UUID,
        template: TemplateName,
        context: Mapping[str, Any],
        recipient: Recipient,
    ) -> Composed:
        from walletreports.notifier.domain import CannotRender

        if template in self.fail_templates:
            raise CannotRender(f"{template.value}: cannot render")
        self.composed.append((template, recipient, dict(context)))
        email = OutgoingEmail(
            sender="Wallet Reports <reports@example.com>",
            to=recipient.address,
            to_name=recipient.name,
            subject=f"subject of {template.value}",
            text=f"text of {template.value}: {dict(context)}",
            html=f"<p>{template.value}</p>",
            message_id=message_id(notification_id, "example.com"),
        )
        return Composed(email.subject, email.message_id, email.to_payload())


def channels(channel: FakeEmailChannel) -> Mapping[Channel, ChannelPort]:
    return {Channel.EMAIL: channel}


class FakeSender:
    """Answers each send with the next scripted outcome ("ok", NotSent, MaybeSent)."""

    def __init__(self, *outcomes: object) -> None:
        self.outcomes = list(outcomes)
        self.sent: list[OutgoingEmail] = []

    async def send(self, email: OutgoingEmail) -> str:
        outcome = self.outcomes.pop(0) if self.outcomes else "ok"
        if isinstance(outcome, NotSent | MaybeSent):
            raise outcome
        self.sent.append(email)
        return "250 OK"

    async def probe(self) -> str:
        return "ok"


def contact(email: str = "ada@example.com", **prefs: bool) -> Contact:
    return Contact(
        user_id=uuid.uuid4(),
        email=email,
        display_name="Ada",
        preferences=Preferences(**prefs),
    )
