"""sendMessage with python-telegram-bot's `Bot`, at NOTIFIER_TELEGRAM_API_URL (tests point
it at a fake of the Bot API), and what its answers mean for a send:

    200 {"ok": true}             sent: the message id
    403 (blocked, chat deleted)  BotBlocked: never sent there (the chat is unlinked)
    429 parameters.retry_after   RetryLater: certainly not sent; not before retry_after
    400 (bad request, chat gone) NotSent, permanent
    5xx, no connection           NotSent, for now (tried again)
    timeout, connection broken   MaybeSent: Telegram may have posted it
"""

from __future__ import annotations

import warnings
from datetime import timedelta

import httpx
from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from ..domain.telegram import OutgoingTelegram
from ..service_layer.ports import BotBlocked, MaybeSent, NotSent, RetryLater

CONNECT_TIMEOUT_SECONDS = 5.0
READ_TIMEOUT_SECONDS = 10.0
LONGEST_SEND_SECONDS = CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS


def bot(token: str, api_url: str) -> Bot:
    request = HTTPXRequest(
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        write_timeout=READ_TIMEOUT_SECONDS,
        pool_timeout=CONNECT_TIMEOUT_SECONDS,
    )
    return Bot(token, base_url=f"{api_url.rstrip('/')}/bot", request=request)


def _seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # an int today, a timedelta in PTB 23: either is fine
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class BotSender:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, message: OutgoingTelegram) -> int:
        try:
            sent = await self.bot.send_message(
                chat_id=message.chat_id,
                text=message.text,
                parse_mode=message.parse_mode,
                disable_web_page_preview=True,
            )
        except Forbidden as error:
            raise BotBlocked(f"bot_blocked: {error.message}") from None
        except RetryAfter as error:
            seconds = _seconds(error)
            raise RetryLater(
                f"rate limited: retry after {seconds:g}s", retry_after_seconds=seconds
            ) from None
        except ChatMigrated as error:
            raise NotSent(f"the chat moved to {error.new_chat_id}", permanent=True) from None
        except BadRequest as error:
            raise NotSent(f"refused: {error.message}", permanent=True) from None
        except TimedOut as error:
            raise MaybeSent(f"no answer in time: {error.message}") from None
        except NetworkError as error:
            cause = error.__cause__
            if cause is None or isinstance(cause, httpx.ConnectError):
                # an HTTP error status (5xx) with no body, or no connection at all
                raise NotSent(f"not sent: {error.message}", permanent=False) from None
            raise MaybeSent(f"the connection broke: {error.message}") from None
        except TelegramError as error:  # an invalid token, a conflict: not sent
            raise NotSent(f"not sent: {error.message}", permanent=False) from None
        return int(sent.message_id)

    async def close(self) -> None:
        await self.bot.shutdown()
