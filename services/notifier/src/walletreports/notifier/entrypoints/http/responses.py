"""What the notifier's routes answer, as OpenAPI models. Ids as UUIDs, times in ISO 8601
(UTC); the read models (adapters.notification_queries) hand routes dicts, checked
against these before sending."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from ...domain import Category, Channel, NotificationStatus, ReasonCode, TemplateName


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Page(_Answer):
    total: int = Field(description="items matching, over all pages")
    limit: int
    offset: int


class NotificationSummary(_Answer):
    notification_id: uuid.UUID
    channel: Channel
    template: TemplateName
    category: Category
    status: NotificationStatus
    reason_code: ReasonCode | None = Field(
        description="why it is skipped, refused, failed or in doubt"
    )
    reason: str | None
    recipient: str | None = Field(description="the address; null when none could be found")
    subject: str | None
    message_id: str | None = Field(description="the email's Message-ID, the same on every attempt")
    user_id: uuid.UUID | None
    order_id: uuid.UUID | None
    event_id: uuid.UUID | None = Field(
        description="the event that called for it (null: a reminder or account mail)"
    )
    event_subject: str | None
    attempts: int = Field(description="send attempts since it was queued or last resent")
    resends: int = Field(description="how often staff resent it")
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None


class NotificationsPage(_Page):
    items: list[NotificationSummary] = Field(description="newest first")


class SendAttempts(_Answer):
    """The send as the kit's durable side effect keeps it (kind `notifier.<channel>`)."""

    status: str = Field(description="pending | running | done | failed | in_doubt")
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class NotificationDetail(NotificationSummary):
    fact: str = Field(
        description="what it is about, as its key names it (order:<id>, refund:<id>, ...)"
    )
    audience: str = Field(
        description="whom the fact named: user:<id>, owner:<order id>, staff:<address>, ..."
    )
    context: dict[str, object] | None = Field(
        description="the facts its template was given (null for account mail: its link is never kept)"
    )
    text: str | None = Field(description="the plain-text part as queued (null when none was)")
    send: SendAttempts | None = Field(description="null when nothing was queued")
    last_resent_by: str | None
    last_resent_at: datetime | None


class ResendResult(_Answer):
    kind: str = Field(
        description="`same_message` (the recorded send again, same Message-ID) or"
        " `compose_again` (resolved and composed afresh)"
    )
    notification: NotificationDetail


class AccountMailResult(_Answer):
    notification_id: uuid.UUID
    status: NotificationStatus = Field(
        description="`sent`, or `in_doubt`: the connection broke while the server was taking"
        " it; it is not sent again (the user may ask for a new link)"
    )
    message_id: str | None
    sent_at: datetime | None


class DevMessage(_Answer):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: str = Field(description="the message's key in the Maildir")
    received_at: datetime
    envelope_from: str | None
    envelope_to: list[str]
    from_: str | None = Field(alias="from")
    to: str | None
    subject: str | None
    message_id: str | None
    text: str | None
    html: str | None


class DevMailboxPage(_Page):
    items: list[DevMessage] = Field(description="newest first")
