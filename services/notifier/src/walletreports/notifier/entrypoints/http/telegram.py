"""Telegram: the deep link web shows a user (POST /v1/users/{id}/telegram-link, internal),
and the bot's webhook (POST /telegram/webhook, called by Telegram, checked by the
secret it was registered with: X-Telegram-Bot-Api-Secret-Token). With no
NOTIFIER_TELEGRAM_BOT_TOKEN both answer 404 `telegram_not_configured`; with
NOTIFIER_TELEGRAM_UPDATES=polling the webhook answers 404 `telegram_webhook_off` (the
updates are polled: entrypoints.telegram_polling; a stray webhook must not be a second
way in)."""

from __future__ import annotations

import hmac
import logging
import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header
from pydantic import BaseModel, ConfigDict, Field

from walletreports.kit import Forbidden, InternalAuth, NotFound, collaborator, error_responses

from ...adapters.telegram_metrics import count_update
from ...bootstrap import TelegramConfig
from ...domain.telegram import BotUpdate
from ...service_layer import telegram_linking
from .dependencies import NotifierUnits, Now

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Where Telegram is told to POST updates (the `telegram webhook set` command).
WEBHOOK_PATH = "/telegram/webhook"

TelegramDep = Annotated[TelegramConfig | None, collaborator("telegram")]


class TelegramNotConfigured(NotFound):
    code = "telegram_not_configured"

    def __init__(self) -> None:
        super().__init__("the Telegram channel is off here (no NOTIFIER_TELEGRAM_BOT_TOKEN)")


class TelegramWebhookOff(NotFound):
    code = "telegram_webhook_off"

    def __init__(self) -> None:
        super().__init__(
            "updates are polled here (NOTIFIER_TELEGRAM_UPDATES=polling): the webhook is off"
        )


class WrongWebhookSecret(Forbidden):
    code = "wrong_webhook_secret"


class UserNotFound(NotFound):
    code = "user_not_found"


class TelegramLink(BaseModel):
    model_config = ConfigDict(extra="forbid")

    deep_link: str = Field(description="https://t.me/<bot>?start=<one-time token>: show it once")
    expires_at: datetime = Field(description="the token is refused after this")


class TelegramUpdate(BaseModel):
    """A Telegram Update; the notifier reads a private message's chat and text."""

    model_config = ConfigDict(extra="allow")

    update_id: int
    message: dict[str, Any] | None = None


class WebhookAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ok: bool
    outcome: str | None = Field(
        description="linked, token_unknown, token_used, token_expired, not_a_link;"
        " null when nothing was done (a resent update, no message)"
    )


def _configured(telegram: TelegramDep) -> TelegramConfig:
    if telegram is None:
        raise TelegramNotConfigured()
    return telegram


Configured = Annotated[TelegramConfig, Depends(_configured)]


def _checked(
    telegram: Configured,
    secret: Annotated[str | None, Header(alias=SECRET_HEADER)] = None,
) -> TelegramConfig:
    expected = telegram.webhook_secret
    if telegram.updates != "webhook" or expected is None:
        raise TelegramWebhookOff()
    if secret is None or not hmac.compare_digest(secret.encode(), expected.encode()):
        raise WrongWebhookSecret(f"{SECRET_HEADER} is missing or wrong")
    return telegram


links_router = APIRouter(prefix="/v1/users", tags=["telegram"], dependencies=[InternalAuth])
webhook_router = APIRouter(tags=["telegram"])


@links_router.post(
    "/{user_id}/telegram-link",
    summary="Mint a one-time deep link that links a Telegram chat to the user",
    description="The token in it is stored as a hash only and is good once, until"
    " `expires_at`; the user opens the link and presses Start. Each call mints a new one.",
    responses=error_responses(
        404,
        422,
        described={
            404: "The user is unknown here (`user_not_found`), or Telegram is off"
            " (`telegram_not_configured`).",
            422: "Does not match this schema.",
        },
    ),
)
async def mint_telegram_link(
    user_id: uuid.UUID, units: NotifierUnits, telegram: Configured, now: Now
) -> TelegramLink:
    async with units() as uow:
        try:
            minted = await telegram_linking.mint_link(
                uow,
                user_id,
                bot_username=telegram.bot_username,
                ttl=telegram.link_ttl,
                now=now,
            )
        except NotFound:
            raise UserNotFound(f"user {user_id} is unknown here") from None
    return TelegramLink(deep_link=minted.deep_link, expires_at=minted.expires_at)


@webhook_router.post(
    WEBHOOK_PATH,
    summary="Telegram's updates to the bot (setWebhook with secret_token)",
    description="`/start <token>` links the chat (the token known, unused, not expired);"
    " every update is recorded once with its outcome and the chat gets a reply.",
    responses=error_responses(
        403,
        404,
        422,
        described={
            403: f"{SECRET_HEADER} is missing or wrong (`wrong_webhook_secret`):"
            " nothing is recorded.",
            404: "Telegram is off here (`telegram_not_configured`), or its updates are"
            " polled (`telegram_webhook_off`).",
            422: "Not an update.",
        },
    ),
)
async def telegram_webhook(
    update: TelegramUpdate,
    units: NotifierUnits,
    telegram: Annotated[TelegramConfig, Depends(_checked)],
    now: Now,
) -> WebhookAnswer:
    bot_update = BotUpdate.from_json(update.model_dump())
    async with units() as uow:
        handled = await telegram_linking.handle_update(uow, bot_update, now=now)
    count_update("webhook", handled.label)
    if handled.outcome is not None:
        log.info(
            "telegram update %d from chat %s: %s",
            bot_update.update_id,
            bot_update.chat_id,
            handled.label,
        )
    return WebhookAnswer(
        ok=True, outcome=None if handled.outcome is None else handled.outcome.value
    )
