"""What the use cases need from storage and from the channels, as protocols the adapters
(and unit-test fakes) implement. Only what a use case calls is here."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from walletreports.kit import EffectRequest

from ..domain import (
    Channel,
    Composed,
    Contact,
    KnownOrder,
    KnownSubscription,
    Notification,
    OutgoingEmail,
    Recipient,
    TemplateName,
)
from ..domain.telegram import OutgoingTelegram


class ContactsPort(Protocol):
    async def get(self, user_id: uuid.UUID) -> Contact | None: ...

    async def many(self, user_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Contact]:
        """The contacts known among these users (one query)."""


class OrdersPort(Protocol):
    async def get(self, order_id: uuid.UUID) -> KnownOrder | None: ...

    async def many(self, order_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, KnownOrder]:
        """The orders known among these (one query)."""

    async def remember(self, order: KnownOrder) -> None:
        """Store what is new of the order (a field already known is kept when the
        newcomer has none: order.paid knows no price)."""

    async def remember_many(self, orders: Sequence[KnownOrder]) -> None:
        """`remember` for each, in one statement (in order: a later one wins)."""


class NotificationsPort(Protocol):
    async def exists(self, key: str) -> bool: ...

    async def existing_keys(self, keys: Collection[str]) -> set[str]:
        """Those of these keys a notification has already (one query)."""

    async def add(self, notification: Notification) -> bool:
        """Store a new notification; False (and nothing stored) when one with its key exists."""

    async def add_many(self, notifications: Sequence[Notification]) -> set[uuid.UUID]:
        """`add` for each, in one statement; returns the ids of those stored."""

    async def get(
        self, notification_id: uuid.UUID, *, lock: bool = False
    ) -> Notification | None: ...

    async def many(
        self, notification_ids: Collection[uuid.UUID], *, lock: bool = False
    ) -> list[Notification]:
        """Those of these notifications that exist (one query; locked in id order)."""

    async def by_key(self, key: str, *, lock: bool = False) -> Notification | None: ...

    async def save(self, notification: Notification) -> None:
        """Write back a notification loaded in this unit of work."""

    async def save_many(self, notifications: Sequence[Notification]) -> None:
        """`save` for each, in one round trip."""

    async def stale_pending_account_mail(
        self, *, before: datetime, limit: int
    ) -> list[Notification]:
        """Account mail still `pending` since before `before` (its sender stopped), locked."""


class SubscriptionsPort(Protocol):
    async def remember(self, subscription: KnownSubscription) -> None: ...

    async def ended(self, subscription_id: uuid.UUID, *, at: datetime) -> None: ...

    async def due_for_reminder(
        self, *, now: datetime, until: datetime, limit: int
    ) -> list[KnownSubscription]:
        """Running subscriptions expiring in (now, until] not reminded yet, locked
        (SKIP LOCKED: replicas share them)."""

    async def reminded(self, subscription_id: uuid.UUID, *, at: datetime) -> None: ...


class NotifierUnitOfWorkPort(Protocol):
    @property
    def contacts(self) -> ContactsPort: ...

    @property
    def orders(self) -> OrdersPort: ...

    @property
    def notifications(self) -> NotificationsPort: ...

    @property
    def subscriptions(self) -> SubscriptionsPort: ...

    async def request_effect(
        self, kind: str, key: str, payload: dict[str, Any], *, correlation_id: str | None = None
    ) -> bool:
        """Perform the side effect `kind` for `key` once, after this transaction commits."""

    async def request_effects(self, requests: Sequence[EffectRequest]) -> list[EffectRequest]:
        """`request_effect` for many, in one statement; returns the new ones."""

    async def retry_effect(self, kind: str, key: str) -> bool:
        """Put a failed or in-doubt side effect back to pending; False if it is in no such state."""


class LinkTokenView(Protocol):
    @property
    def user_id(self) -> uuid.UUID: ...

    @property
    def expires_at(self) -> datetime: ...

    @property
    def used_at(self) -> datetime | None: ...


class TelegramLinksPort(Protocol):
    async def add_token(
        self, token_hash: str, user_id: uuid.UUID, *, at: datetime, expires_at: datetime
    ) -> None: ...

    async def token(self, token_hash: str) -> LinkTokenView | None:
        """The token's row, locked (two updates with one token link one chat)."""

    async def use_token(self, token_hash: str, chat_id: int, *, at: datetime) -> None: ...

    async def record_update(
        self,
        update_id: int,
        *,
        chat_id: int | None,
        user_id: uuid.UUID | None,
        outcome: str,
        reason: str | None,
        at: datetime,
    ) -> bool:
        """False (nothing written) when this update was recorded already."""


class TelegramContactsPort(ContactsPort, Protocol):
    async def link_telegram(self, user_id: uuid.UUID, chat_id: int, *, at: datetime) -> bool: ...

    async def unlink_telegram(self, chat_id: int) -> None: ...


class TelegramUnitPort(Protocol):
    @property
    def contacts(self) -> TelegramContactsPort: ...

    @property
    def telegram(self) -> TelegramLinksPort: ...

    async def request_effect(
        self, kind: str, key: str, payload: dict[str, Any], *, correlation_id: str | None = None
    ) -> bool: ...


class ChannelPort(Protocol):
    """One channel as the use cases see it: who staff are on it, and how a template and
    its facts become a message for it. Sending is its performer's (a durable side
    effect of kind `channel.effect_kind`, payload `Composed.payload`)."""

    @property
    def channel(self) -> Channel: ...

    def staff_addresses(self) -> tuple[str, ...]: ...

    def compose(
        self,
        *,
        notification_id: uuid.UUID,
        template: TemplateName,
        context: Mapping[str, Any],
        recipient: Recipient,
    ) -> Composed:
        """Raises CannotRender when the template cannot be rendered from `context`."""


Channels = Mapping[Channel, ChannelPort]


class NotSent(Exception):
    """The message certainly did not leave: the server refused it (`permanent`: a 5xx,
    it will refuse it again) or could not be reached / answered 4xx (try again)."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class RetryLater(NotSent):
    """Certainly not sent: the other side asks to wait `retry_after_seconds` (a 429)."""

    def __init__(self, reason: str, *, retry_after_seconds: float) -> None:
        super().__init__(reason, permanent=False)
        self.retry_after_seconds = retry_after_seconds


class BotBlocked(NotSent):
    """Telegram's 403: the user blocked the bot (or deleted the chat); never sent there."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, permanent=True)


class MaybeSent(Exception):
    """The connection broke (or timed out) after the message was handed over and
    before the server said whether it took it: SMTP cannot be asked afterwards."""


class EmailSender(Protocol):
    async def send(self, email: OutgoingEmail) -> str:
        """Hand the message to the mail server; returns its answer ("250 OK ...").
        Raises NotSent or MaybeSent."""

    async def probe(self) -> str:
        """ "ok", or why the server cannot be used right now (a cheap connect + EHLO)."""


class TelegramSender(Protocol):
    async def send(self, message: OutgoingTelegram) -> int:
        """sendMessage; returns the message id Telegram gave it. Raises BotBlocked,
        RetryLater, NotSent or MaybeSent."""


class SlackSender(Protocol):
    async def send(self, payload: Mapping[str, Any]) -> str:
        """POST the message to the webhook; returns its answer. Raises RetryLater or
        NotSent (a 4xx is permanent; a 5xx, a timeout or no connection is not)."""
