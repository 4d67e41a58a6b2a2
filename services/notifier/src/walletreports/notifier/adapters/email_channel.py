"""The email channel: staff's addresses, and how a template and its facts become an email
(both parts from `templates/email/<template>.txt` and `.html`, the subject from the text
template's `subject` block, headers of our own). Sending is the performer's.

Headers: From (NOTIFIER_EMAIL_FROM), To, Subject, Message-ID `<notification id@domain>`
(the same on every attempt and resend: a copy that arrives twice is recognisable),
Reply-To when configured, `Auto-Submitted: auto-generated` (RFC 3834: no auto-replies),
`X-Notification-Id` / `X-Notification-Template` for support, and for mail the user can
turn off, `List-Unsubscribe` pointing at their notification settings.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from ..domain import (
    Channel,
    Composed,
    Links,
    OutgoingEmail,
    Recipient,
    TemplateName,
    message_id,
)
from .rendering import TemplateSet


@dataclass(frozen=True)
class EmailIdentity:
    sender: str  # "Wallet Reports <reports@example.com>"
    reply_to: str | None = None

    @functools.cached_property
    def domain(self) -> str:
        address = parseaddr(self.sender)[1]
        return address.rpartition("@")[2] or "localhost"


class EmailChannel:
    def __init__(
        self,
        templates: TemplateSet,
        *,
        identity: EmailIdentity,
        staff: tuple[str, ...],
        links: Links,
    ) -> None:
        self.templates = templates
        self.identity = identity
        self.staff = staff
        self.links = links

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
        values = {
            **context,
            "recipient_name": recipient.name,
            "can_turn_off": template.category.user_may_turn_off,
        }
        subject = " ".join(
            self.templates.render_block(f"{template.value}.txt", "subject", values).split()
        )
        values["subject"] = subject
        text = self.templates.render(f"{template.value}.txt", values)
        html = self.templates.render(f"{template.value}.html", values)
        headers = {
            "Auto-Submitted": "auto-generated",
            "X-Notification-Id": str(notification_id),
            "X-Notification-Template": template.value,
        }
        if self.identity.reply_to:
            headers["Reply-To"] = self.identity.reply_to
        if template.category.user_may_turn_off:
            headers["List-Unsubscribe"] = f"<{self.links.notification_settings()}>"
        email = OutgoingEmail(
            sender=self.identity.sender,
            to=recipient.address,
            to_name=recipient.name,
            subject=subject,
            text=text,
            html=html,
            message_id=message_id(notification_id, self.identity.domain),
            headers=headers,
        )
        return Composed(subject=subject, message_id=email.message_id, payload=email.to_payload())
