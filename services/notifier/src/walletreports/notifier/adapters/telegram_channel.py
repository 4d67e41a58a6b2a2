"""The Telegram channel: a linked user's messages, from `templates/telegram/<template>.html`
(Telegram's HTML parse mode: only <b>, <i>, <code>, <a href>; every value the template
prints is HTML-escaped by the template engine, as Telegram requires of <, > and &).
No staff on it: staff alerts go by email and Slack. Sending is the performer's."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from ..domain import CannotRender, Channel, Composed, Recipient, TemplateName
from ..domain.telegram import OutgoingTelegram
from .rendering import TemplateSet

# sendMessage takes at most 4096 characters after entities are parsed.
MAX_TEXT = 4096


class TelegramChannel:
    def __init__(self, templates: TemplateSet) -> None:
        self.templates = templates

    @property
    def channel(self) -> Channel:
        return Channel.TELEGRAM

    def staff_addresses(self) -> tuple[str, ...]:
        return ()

    def compose(
        self,
        *,
        notification_id: uuid.UUID,
        template: TemplateName,
        context: Mapping[str, Any],
        recipient: Recipient,
    ) -> Composed:
        try:
            chat_id = int(recipient.address)
        except ValueError:
            raise CannotRender(f"{recipient.address!r} is no Telegram chat id") from None
        values = {
            **context,
            "recipient_name": recipient.name,
            "can_turn_off": template.category.user_may_turn_off,
        }
        subject = " ".join(
            self.templates.render_block(f"{template.value}.html", "subject", values).split()
        )
        text = self.templates.render(f"{template.value}.html", values).strip()
        if len(text) > MAX_TEXT:
            raise CannotRender(f"{template.value}: {len(text)} characters, Telegram takes 4096")
        message = OutgoingTelegram(chat_id=chat_id, text=text, parse_mode="HTML")
        return Composed(subject=subject, message_id=None, payload=message.to_payload())
