"""Linking a Telegram chat to a user: the one-time deep link web shows, and the bot's
`/start <token>` that uses it (domain.telegram says how).

- `mint_link`: a new token for a known user (only its hash is stored), valid for
  NOTIFIER_TELEGRAM_LINK_TTL_MINUTES, and the deep link that carries it.
- `handle_update`: one update from Telegram, however it came (the webhook, or long
  polling: entrypoints.telegram_polling), once by its update_id: `/start <token>`
  links the chat if the token is known, unused and not expired (the token is then
  used); anything else links nothing. The outcome and its reason are recorded, and the
  chat gets a reply (a durable side effect of kind REPLY_KIND, performed after commit).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from walletreports.kit import NotFound

from ..domain.telegram import (
    REPLIES,
    BotUpdate,
    LinkOutcome,
    OutgoingTelegram,
    deep_link,
    new_link_token,
    token_hash,
)
from .ports import TelegramUnitPort

REPLY_KIND = "notifier.telegram_reply"


@dataclass(frozen=True, slots=True)
class MintedLink:
    deep_link: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Handled:
    outcome: LinkOutcome | None  # None: a resent update, or one with no chat (nothing done)
    user_id: uuid.UUID | None = None
    duplicate: bool = False  # handled before (Telegram sent it again): nothing done now

    @property
    def label(self) -> str:
        """What it did, in a word (logs and metrics)."""
        if self.duplicate:
            return "duplicate"
        return "ignored" if self.outcome is None else self.outcome.value


async def mint_link(
    uow: TelegramUnitPort,
    user_id: uuid.UUID,
    *,
    bot_username: str,
    ttl: timedelta,
    now: datetime,
) -> MintedLink:
    if await uow.contacts.get(user_id) is None:
        raise NotFound(f"user {user_id} is unknown here", user_id=str(user_id))
    token = new_link_token()
    expires_at = now + ttl
    await uow.telegram.add_token(token_hash(token), user_id, at=now, expires_at=expires_at)
    return MintedLink(deep_link=deep_link(bot_username, token), expires_at=expires_at)


async def handle_update(uow: TelegramUnitPort, update: BotUpdate, *, now: datetime) -> Handled:
    if update.chat_id is None:
        recorded = await uow.telegram.record_update(
            update.update_id,
            chat_id=None,
            user_id=None,
            outcome="ignored",
            reason="no message with a chat",
            at=now,
        )
        return Handled(None, duplicate=not recorded)
    chat_id = update.chat_id
    outcome, user_id, reason = await _link(uow, update, chat_id, now=now)
    recorded = await uow.telegram.record_update(
        update.update_id, chat_id=chat_id, user_id=user_id, outcome=outcome, reason=reason, at=now
    )
    if not recorded:
        # Telegram sent it again: done already, replied already
        return Handled(None, duplicate=True)
    reply = OutgoingTelegram(chat_id=chat_id, text=REPLIES[outcome], parse_mode="HTML")
    await uow.request_effect(REPLY_KIND, str(update.update_id), reply.to_payload())
    return Handled(outcome, user_id)


async def _link(
    uow: TelegramUnitPort, update: BotUpdate, chat_id: int, *, now: datetime
) -> tuple[LinkOutcome, uuid.UUID | None, str | None]:
    token = update.start_token
    if token is None:
        return LinkOutcome.NOT_A_LINK, None, "not a /start with a link token"
    hashed = token_hash(token)
    found = await uow.telegram.token(hashed)
    if found is None:
        return LinkOutcome.TOKEN_UNKNOWN, None, "no such link token"
    if found.used_at is not None:
        return (
            LinkOutcome.TOKEN_USED,
            found.user_id,
            f"the link token was used at {found.used_at.isoformat()}",
        )
    if found.expires_at <= now:
        return (
            LinkOutcome.TOKEN_EXPIRED,
            found.user_id,
            f"the link token expired at {found.expires_at.isoformat()}",
        )
    if not await uow.contacts.link_telegram(found.user_id, chat_id, at=now):
        return LinkOutcome.TOKEN_UNKNOWN, found.user_id, "the token's user is unknown here"
    await uow.telegram.use_token(hashed, chat_id, at=now)
    return LinkOutcome.LINKED, found.user_id, None
