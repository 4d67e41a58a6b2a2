"""Telegram, as the notifier's rules see it: the message a send performs, the one-time
token of a chat link, and what an update from the bot says.

Linking: web asks for a link (`POST /v1/users/{id}/telegram-link`); the notifier mints a
one-time token (only its SHA-256 is stored, it expires) and answers the bot's deep link
`https://t.me/<bot>?start=<token>`. The user opens it and presses Start; Telegram sends
the bot `/start <token>`, which links that chat to the user if the token is known,
unused and not expired. Every update is recorded once (by its update_id) with its
outcome, and the chat gets a reply saying what happened.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

# Telegram allows A-Z, a-z, 0-9, _ and - in a start parameter, at most 64 characters.
TOKEN_BYTES = 24  # 32 characters of URL-safe base64


def new_link_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def deep_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username.lstrip('@')}?start={token}"


class LinkOutcome(StrEnum):
    LINKED = "linked"
    TOKEN_UNKNOWN = "token_unknown"
    TOKEN_USED = "token_used"
    TOKEN_EXPIRED = "token_expired"
    NOT_A_LINK = "not_a_link"  # any other message: answered with how to link, nothing else


REPLIES: Mapping[LinkOutcome, str] = {
    LinkOutcome.LINKED: (
        "You're all set! This chat now gets your Wallet Reports notifications:"
        " payments, reports and refunds."
    ),
    LinkOutcome.TOKEN_UNKNOWN: (
        "Sorry, that link isn't one we know. Please open a fresh link from your"
        " notification settings."
    ),
    LinkOutcome.TOKEN_USED: (
        "Sorry, that link was already used. Please open a fresh link from your"
        " notification settings."
    ),
    LinkOutcome.TOKEN_EXPIRED: (
        "Sorry, that link has expired. Please open a fresh link from your notification settings."
    ),
    LinkOutcome.NOT_A_LINK: (
        "Hello! To get your Wallet Reports notifications here, open the Telegram link"
        " in your notification settings."
    ),
}


@dataclass(frozen=True, slots=True)
class BotUpdate:
    """What the notifier reads of a Telegram update: a private message's text."""

    update_id: int
    chat_id: int | None
    text: str | None

    @property
    def start_token(self) -> str | None:
        """The token of `/start <token>` (also `/start@bot <token>`), or None."""
        if not self.text:
            return None
        command, _, rest = self.text.strip().partition(" ")
        if command.split("@", 1)[0] != "/start":
            return None
        token = rest.strip()
        return token or None

    @classmethod
    def from_json(cls, update: Mapping[str, Any]) -> BotUpdate:
        """Raises ValueError when it is no update (no integer update_id)."""
        update_id = update.get("update_id")
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            raise ValueError("an update has an integer update_id")
        message = update.get("message")
        chat_id: int | None = None
        text: str | None = None
        if isinstance(message, Mapping):
            chat = message.get("chat")
            if isinstance(chat, Mapping) and isinstance(chat.get("id"), int):
                chat_id = int(chat["id"])
            if isinstance(message.get("text"), str):
                text = str(message["text"])
        return cls(update_id=update_id, chat_id=chat_id, text=text)


@dataclass(frozen=True, slots=True)
class OutgoingTelegram:
    """A sendMessage, as the send's durable side effect carries it (JSON)."""

    chat_id: int
    text: str
    parse_mode: str = "HTML"

    def to_payload(self) -> dict[str, Any]:
        return {"chat_id": self.chat_id, "text": self.text, "parse_mode": self.parse_mode}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> OutgoingTelegram:
        """Raises ValueError for a payload that is not one."""
        try:
            return cls(
                chat_id=int(payload["chat_id"]),
                text=str(payload["text"]),
                parse_mode=str(payload.get("parse_mode") or "HTML"),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"not a Telegram payload: {error!r}") from None
