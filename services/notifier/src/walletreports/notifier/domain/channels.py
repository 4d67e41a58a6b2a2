"""Where a notification goes.

Email (users and staff), Telegram (users who linked a chat) and Slack (staff alerts, one
incoming webhook). A channel plugs in as: a value
here, the contact's address on it (`Contact.address`), its templates under
`templates/<channel>/`, a composer that turns a template and its facts into what the
channel sends, and a performer that sends it (a durable side effect of kind
`notifier.<channel>`): see `service_layer.ports.ChannelPort` and the composition root.
"""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    EMAIL = "email"
    TELEGRAM = "telegram"
    SLACK = "slack"

    @property
    def effect_kind(self) -> str:
        """The kind of the durable side effect that sends on this channel."""
        return f"notifier.{self.value}"
