"""One notification: one message to one recipient on one channel from one template,
about one fact. The row is unique by its key (fact, template, channel, audience), so a
fact that comes again (a redelivered event, the same payment under a new event id) finds
it and sends nothing new.

Statuses and the one table of transitions between them:

    pending --delivered--> sent            the channel accepted it
    pending --failed--> failed             certainly not delivered (refused, or out of attempts)
    pending --doubted--> in_doubt          may have been delivered: never sent again by itself
    in_doubt --delivered--> sent           a late outcome knew better (the kit allows it)
    failed | in_doubt --resend--> pending  staff: the same message again (same Message-ID)
    refused | skipped(stale) --resend--> pending   staff: resolved and composed afresh
    failed(unavailable) --try_again--> pending     web asks again with the same key

    skipped   deliberately not sent (the user turned the category off, the event was
              too old, no staff address configured); final except a stale one
    refused   cannot be sent as it stands (unknown user or order, no address, a
              template that cannot render): the reason says why

Every method is one named transition: it applies the change and returns it, or returns
`NoChange` when the notification is already there, or raises `NotResendable` (a
Conflict). `at` is always passed in.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from .channels import Channel
from .errors import NotResendable
from .templates import Category, TemplateName


class NotificationStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    IN_DOUBT = "in_doubt"
    SKIPPED = "skipped"
    REFUSED = "refused"


class ReasonCode(StrEnum):
    # skipped
    OPTED_OUT = "opted_out"
    STALE_EVENT = "stale_event"
    NO_STAFF_ADDRESSES = "no_staff_addresses"
    # refused (bad data)
    UNKNOWN_USER = "unknown_user"
    UNKNOWN_ORDER = "unknown_order"
    NO_ADDRESS = "no_address"
    CANNOT_RENDER = "cannot_render"
    # failed
    UNDELIVERABLE = "undeliverable"  # the server refused it for good (a 5xx)
    GAVE_UP = "gave_up"  # every attempt certainly failed (server away, 4xx, timeouts)
    UNAVAILABLE = "unavailable"  # account mail: not sent now, the same key may try again
    BOT_BLOCKED = "bot_blocked"  # Telegram 403: the user blocked the bot (the chat is unlinked)
    # in_doubt
    DELIVERY_UNKNOWN = "delivery_unknown"
    INTERRUPTED = "interrupted"  # account mail: the service stopped during the send


class Action(StrEnum):
    DELIVERED = "delivered"
    FAILED = "failed"
    DOUBTED = "doubted"
    RESEND = "resend"
    TRY_AGAIN = "try_again"


S, A = NotificationStatus, Action

TRANSITIONS: Mapping[tuple[NotificationStatus, Action], NotificationStatus] = MappingProxyType(
    {
        (S.PENDING, A.DELIVERED): S.SENT,
        (S.IN_DOUBT, A.DELIVERED): S.SENT,
        (S.PENDING, A.FAILED): S.FAILED,
        (S.PENDING, A.DOUBTED): S.IN_DOUBT,
        (S.FAILED, A.RESEND): S.PENDING,
        (S.IN_DOUBT, A.RESEND): S.PENDING,
        (S.REFUSED, A.RESEND): S.PENDING,
        (S.SKIPPED, A.RESEND): S.PENDING,
        (S.FAILED, A.TRY_AGAIN): S.PENDING,
    }
)

# Statuses whose message was never handed to the channel: a resend composes it afresh.
COMPOSED_AFRESH = frozenset({S.REFUSED, S.SKIPPED})


class ResendKind(StrEnum):
    SAME_MESSAGE = "same_message"  # the recorded send is performed again
    COMPOSE_AGAIN = "compose_again"  # resolved and composed afresh, then sent


@dataclass(frozen=True, slots=True)
class Change:
    notification_id: uuid.UUID
    from_status: NotificationStatus
    to_status: NotificationStatus
    at: datetime


@dataclass(frozen=True, slots=True)
class NoChange:
    notification_id: uuid.UUID
    status: NotificationStatus


Outcome = Change | NoChange


def dedup_key(fact: str, template: TemplateName, channel: Channel, audience: str) -> str:
    """What makes a notification unique: the fact, the template, the channel, the
    recipient as the fact names them."""
    return f"{fact}|{template.value}|{channel.value}|{audience}"


def account_mail_key(idempotency_key_hash: str) -> str:
    """Account mail is unique by its Idempotency-Key (kept as a hash), whatever its body."""
    return f"transactional:{idempotency_key_hash}"


def message_id(notification_id: uuid.UUID, domain: str) -> str:
    """The Message-ID of a notification's email: the same on every attempt and on a
    staff resend, so a copy that did arrive twice is recognisable (and most mailboxes
    fold it into one)."""
    return f"<{notification_id}@{domain}>"


@dataclass
class Notification:
    id: uuid.UUID
    # Unique: `dedup_key(...)` for a fact's notification, `account_mail_key(...)` for
    # account mail (one per Idempotency-Key, whatever its body).
    key: str
    fact: str
    template: TemplateName
    channel: Channel
    audience: str
    status: NotificationStatus
    created_at: datetime
    updated_at: datetime
    user_id: uuid.UUID | None = None
    order_id: uuid.UUID | None = None
    event_id: uuid.UUID | None = None
    event_subject: str | None = None
    recipient: str | None = None
    subject: str | None = None
    message_id: str | None = None
    # The template's facts (never a secret: account mail keeps none), for a resend.
    context: dict[str, Any] | None = None
    reason_code: ReasonCode | None = None
    reason: str | None = None
    sent_at: datetime | None = None
    # For account mail: a hash of the request (template and recipient), to tell a
    # replay from a reused key.
    fingerprint: str | None = None
    resends: int = 0
    last_resent_by: str | None = None
    last_resent_at: datetime | None = None
    correlation_id: str | None = field(default=None)

    # -- transitions ----------------------------------------------------------------

    def delivered(self, *, at: datetime) -> Outcome:
        if self.status is S.SENT:
            return NoChange(self.id, self.status)
        change = self._move(A.DELIVERED, at)
        self.sent_at = at
        self.reason_code = None
        self.reason = None
        return change

    def undelivered(self, *, doubt: bool, code: ReasonCode, reason: str, at: datetime) -> Outcome:
        """Failed (certainly not delivered) or, with `doubt`, in doubt."""
        target = S.IN_DOUBT if doubt else S.FAILED
        if self.status is target or self.status is S.SENT:
            return NoChange(self.id, self.status)
        change = self._move(A.DOUBTED if doubt else A.FAILED, at)
        self.reason_code = code
        self.reason = reason[:2000]
        return change

    def resend(self, *, by: str, at: datetime) -> ResendKind:
        """Staff ask for it again. A failed or in-doubt message is sent again as it was
        (for one in doubt, staff say it did not arrive, or that twice is acceptable); a
        refused one, or one skipped because its event was too old, is composed afresh
        (the contact may be known by now). Sent, pending and deliberately skipped ones
        are not resent, nor account mail (its one-time link is not kept)."""
        if self.template.category is Category.ACCOUNT:
            raise NotResendable(
                "account mail carries a one-time link the notifier does not keep:"
                " the user asks for a new one"
            )
        if self.status is S.SKIPPED and self.reason_code is not ReasonCode.STALE_EVENT:
            raise NotResendable(f"not sent on purpose ({self.reason}): nothing to resend")
        kind = (
            ResendKind.COMPOSE_AGAIN if self.status in COMPOSED_AFRESH else ResendKind.SAME_MESSAGE
        )
        self._move(A.RESEND, at)
        self.resends += 1
        self.last_resent_by = by
        self.last_resent_at = at
        return kind

    def recomposed(self, *, recipient: str, subject: str, message_id: str | None) -> None:
        """After a COMPOSE_AGAIN resend: what it is now sent as."""
        self.recipient = recipient
        self.subject = subject
        self.message_id = message_id
        self.reason_code = None
        self.reason = None

    def try_again(self, *, at: datetime) -> Change:
        """Account mail: the same Idempotency-Key after a send that certainly did not happen."""
        if self.reason_code is not ReasonCode.UNAVAILABLE:
            raise NotResendable(f"this message is {self.status.value}: it is not tried again")
        change = self._move(A.TRY_AGAIN, at)
        self.reason_code = None
        self.reason = None
        return change

    def _move(self, action: Action, at: datetime) -> Change:
        target = TRANSITIONS.get((self.status, action))
        if target is None:
            raise NotResendable(
                f"a {self.status.value} notification cannot be {action.value}"
                if action is not A.RESEND
                else f"a {self.status.value} notification is not resent"
            )
        change = Change(self.id, self.status, target, at)
        self.status = target
        self.updated_at = at
        return change
