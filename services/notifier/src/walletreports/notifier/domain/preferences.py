"""What a user chose to receive, and where.

web's `user.updated` carries one switch per optional category (payment received,
processing started, reports ready) and no channel choice yet. So every user's channels
are email, plus Telegram once they linked a chat (linking is the choice: a user who
opened the bot's deep link and pressed Start wants Telegram too; `/stop`-ing the bot,
which Telegram reports as a 403, unlinks it). The category switches apply on every
channel. When web sends channel choices (an optional field first: consumers ignore
fields they do not know), they land in `channels` and nothing else changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from .channels import Channel
from .templates import Category


@dataclass(frozen=True, slots=True)
class Preferences:
    payment_received: bool = True
    processing_started: bool = True
    reports_ready: bool = True
    channels: frozenset[Channel] = frozenset({Channel.EMAIL})

    @classmethod
    def of(
        cls,
        *,
        payment_received: bool,
        processing_started: bool,
        reports_ready: bool,
        telegram_linked: bool,
    ) -> Preferences:
        channels = {Channel.EMAIL, Channel.TELEGRAM} if telegram_linked else {Channel.EMAIL}
        return cls(payment_received, processing_started, reports_ready, frozenset(channels))

    def allows(self, category: Category) -> bool:
        """Whether mail of this category may go to the user at all (on any channel)."""
        if category is Category.PAYMENT_RECEIVED:
            return self.payment_received
        if category is Category.PROCESSING_STARTED:
            return self.processing_started
        if category is Category.REPORTS_READY:
            return self.reports_ready
        return True  # service mail is always sent; staff and account mail are no user's choice
