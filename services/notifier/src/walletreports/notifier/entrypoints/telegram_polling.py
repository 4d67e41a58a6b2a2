"""The bot's updates by long polling (NOTIFIER_TELEGRAM_UPDATES=polling), as a background
task on one replica at a time: the kit's lease, as Telegram answers a second getUpdates
for the same bot with 409 Conflict (and ends the first).

- At start it removes a webhook that is set, keeping the updates waiting on it
  (deleteWebhook, drop_pending_updates false): Telegram refuses getUpdates while a
  webhook is set, and NOTIFIER_TELEGRAM_UPDATES says polling is how this deployment
  takes them. (A webhook set later is not removed: the poller says so and waits.)
- Then getUpdates, long: Telegram holds the request until an update comes or
  NOTIFIER_TELEGRAM_POLL_TIMEOUT_SECONDS pass. Each update is handled as the webhook
  handles one (service_layer.telegram_linking.handle_update), in one transaction with
  the offset past it (adapters.telegram_offsets), so a restart goes on right after the
  last handled update; the next getUpdates confirms it to Telegram.
- A failure (network, timeout, 5xx, 429, 409, 401, nonsense) is logged, counted by kind
  (adapters.telegram_metrics) and waited out, NOTIFIER_TELEGRAM_POLL_RETRY_SECONDS
  doubling to a minute, at least a 429's retry_after; the loop itself never ends. An
  update whose handling fails (the database away) is not passed: it is asked again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from walletreports.kit import Clock, UnitsOfWork

from ..adapters.telegram_bot_api import BotApi, BotApiError
from ..adapters.telegram_metrics import (
    POLL_ERRORS,
    POLL_FAILURES_IN_A_ROW,
    POLL_LAST_SUCCESS,
    count_update,
)
from ..adapters.telegram_offsets import PollOffset, TelegramOffsets
from ..adapters.unit_of_work import NotifierUnitOfWork
from ..domain.telegram import BotUpdate
from ..service_layer import telegram_linking

log = logging.getLogger(__name__)

# The only updates the notifier reads (a private chat's /start); setWebhook asks the same.
ALLOWED_UPDATES = ("message",)
MAX_BACKOFF_SECONDS = 60.0
# A retry_after beyond this is waited in steps (asking again costs one more 429).
MAX_RETRY_AFTER_SECONDS = 300.0

# What a failure kind most likely means, for the log line.
HINTS = {
    "conflict": "another getUpdates for this bot (another deployment with the same token?)"
    " or a webhook set since this replica started: `telegram webhook info` says which",
    "unauthorized": "Telegram refuses the bot token (revoked? NOTIFIER_TELEGRAM_BOT_TOKEN)",
    "rate_limited": "Telegram asks to slow down",
}

T = TypeVar("T")


def backoff(failures_in_a_row: int, base_seconds: float, retry_after: float | None) -> float:
    """How long to wait after the n-th failure in a row: base, doubling, at most a
    minute; never less than the retry_after Telegram gave (up to five minutes)."""
    delay = min(base_seconds * 2.0 ** max(failures_in_a_row - 1, 0), MAX_BACKOFF_SECONDS)
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER_SECONDS))
    return delay


class TelegramPoller:
    def __init__(
        self,
        api: BotApi,
        *,
        units: UnitsOfWork[NotifierUnitOfWork],
        clock: Clock,
        bot_id: int,
        timeout_seconds: int,
        retry_seconds: float,
    ) -> None:
        self.api = api
        self.units = units
        self.clock = clock
        self.bot_id = bot_id
        self.timeout_seconds = timeout_seconds
        self.retry_seconds = retry_seconds
        self.failures_in_a_row = 0  # of getUpdates (and the steps at start)
        self.handling_failures = 0  # of handling an update, since one was last handled

    async def run(self) -> None:
        await self._until_done("removing the webhook", self._remove_webhook)
        offset = await self._until_done("reading the poll offset", self._stored_offset)
        log.info("telegram: polling for updates (offset %s)", offset.to_ask(self.clock.now()))
        while True:
            offset = await self.poll_once(offset)

    async def poll_once(self, offset: PollOffset) -> PollOffset:
        """One getUpdates and its updates handled: the offset after them."""
        try:
            updates = await self.api.get_updates(
                offset=offset.to_ask(self.clock.now()),
                timeout_seconds=self.timeout_seconds,
                allowed_updates=ALLOWED_UPDATES,
            )
        except BotApiError as error:
            await self._failed("getUpdates", error)
            return offset
        self._succeeded()
        for update in updates:
            try:
                offset = await self._handle(update, offset)
            except asyncio.CancelledError:
                raise
            except Exception:  # logged: the database away, say; asked again later
                count_update("polling", "failed")
                self.handling_failures += 1
                delay = backoff(self.handling_failures, self.retry_seconds, None)
                log.exception(
                    "telegram: update %s not handled; asking for it again in %.1fs",
                    update.get("update_id"),
                    delay,
                )
                await asyncio.sleep(delay)
                break
        return offset

    async def _handle(self, raw: dict[str, Any], offset: PollOffset) -> PollOffset:
        update = BotUpdate.from_json(raw)  # each has its update_id: BotApi.get_updates checks
        now = self.clock.now()
        after = offset.past(update.update_id, at=now)
        async with self.units() as uow:
            handled = await telegram_linking.handle_update(uow, update, now=now)
            await TelegramOffsets(uow.session).save(self.bot_id, after)
        self.handling_failures = 0
        count_update("polling", handled.label)
        log.info(
            "telegram update %d from chat %s: %s", update.update_id, update.chat_id, handled.label
        )
        return after

    async def _remove_webhook(self) -> None:
        info = await self.api.webhook_info()
        url = info.get("url")
        if not url:
            return
        log.warning(
            "telegram: a webhook is set (%s, %s updates waiting); removing it, as"
            " NOTIFIER_TELEGRAM_UPDATES=polling (the waiting updates are kept)",
            url,
            info.get("pending_update_count", 0),
        )
        await self.api.delete_webhook(drop_pending_updates=False)

    async def _stored_offset(self) -> PollOffset:
        async with self.units() as uow:
            return await TelegramOffsets(uow.session).get(self.bot_id)

    async def _until_done(self, what: str, step: Callable[[], Awaitable[T]]) -> T:
        while True:
            try:
                result = await step()
            except asyncio.CancelledError:
                raise
            except BotApiError as error:
                await self._failed(what, error)
                continue
            except Exception:  # logged: the database away, say; tried again
                self.failures_in_a_row += 1
                delay = backoff(self.failures_in_a_row, self.retry_seconds, None)
                log.exception("telegram: %s failed; trying again in %.1fs", what, delay)
                await asyncio.sleep(delay)
                continue
            self.failures_in_a_row = 0
            POLL_FAILURES_IN_A_ROW.set(0)
            return result

    async def _failed(self, what: str, error: BotApiError) -> None:
        self.failures_in_a_row += 1
        POLL_ERRORS.labels(error.kind).inc()
        POLL_FAILURES_IN_A_ROW.set(self.failures_in_a_row)
        delay = backoff(self.failures_in_a_row, self.retry_seconds, error.retry_after)
        hint = HINTS.get(error.kind)
        log.log(
            logging.ERROR if error.kind in ("conflict", "unauthorized") else logging.WARNING,
            "telegram: %s failed (%s)%s; %d in a row, trying again in %.1fs",
            what,
            error,
            f": {hint}" if hint else "",
            self.failures_in_a_row,
            delay,
        )
        await asyncio.sleep(delay)

    def _succeeded(self) -> None:
        self.failures_in_a_row = 0
        POLL_FAILURES_IN_A_ROW.set(0)
        POLL_LAST_SUCCESS.set_to_current_time()


async def poll_telegram_updates(telegram_poller: TelegramPoller | None) -> None:
    """The background task (one replica): with polling off, there is nothing to do."""
    if telegram_poller is None:
        return
    await telegram_poller.run()
