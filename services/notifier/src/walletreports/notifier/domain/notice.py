"""What a fact asks the notifier to tell, before it knows whom exactly: a template, the
fact it is about (the key a repeat of the fact finds), the audience as the fact names
it, and the template's facts. `service_layer.notices` builds these from events."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .audience import Audience
from .templates import TemplateName


@dataclass(frozen=True, slots=True)
class Notice:
    template: TemplateName
    fact: str
    audience: Audience
    occurred_at: datetime
    context: Mapping[str, Any] = field(default_factory=dict)
    order_id: uuid.UUID | None = None
    event_id: uuid.UUID | None = None
    event_subject: str | None = None
    correlation_id: str | None = None


@dataclass(frozen=True, slots=True)
class Recipient:
    """Where one message goes on one channel (an email address, later a chat id)."""

    address: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Composed:
    """A message ready for its channel: what the row shows (subject, Message-ID) and
    what the send performs (`payload`, the side effect's)."""

    subject: str
    message_id: str | None
    payload: dict[str, Any]


def order_fact(order_id: uuid.UUID) -> str:
    return f"order:{order_id}"


def refund_fact(refund_id: uuid.UUID) -> str:
    return f"refund:{refund_id}"


def transfer_fact(invoice_id: uuid.UUID, signature: str) -> str:
    return f"invoice:{invoice_id}:{signature}"


def subscription_fact(subscription_id: uuid.UUID) -> str:
    return f"subscription:{subscription_id}"


def event_fact(event_id: uuid.UUID) -> str:
    """For a fact with no id of its own (a pause, one failure of a query): the event."""
    return f"event:{event_id}"
