"""A user as the notifier knows them: from web's user.registered / user.updated."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from .channels import Channel
from .preferences import Preferences


@dataclass(frozen=True, slots=True)
class Contact:
    user_id: uuid.UUID
    email: str
    display_name: str
    preferences: Preferences = field(default_factory=Preferences)
    # The Telegram chat the user linked (the bot's deep link, /start <token>), or None.
    telegram_chat_id: int | None = None

    def address(self, channel: Channel) -> str | None:
        """Where to reach the user on `channel`, or None when there is nowhere."""
        email = self.email.strip()
        chat = self.telegram_chat_id
        addresses = {
            Channel.EMAIL: email if "@" in email else None,
            Channel.TELEGRAM: None if chat is None else str(chat),
        }
        return addresses.get(channel)  # a channel the contact has no address on: None

    @property
    def name(self) -> str | None:
        return self.display_name.strip() or None
