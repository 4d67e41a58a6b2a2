"""The performer of a channel's sends (kit.effects): one per channel, of kind
`notifier.<channel>`, key = the notification's id, payload = the composed message.

    perform:   hand the message to the channel's sender, once per attempt
                 delivered                  -> done; on_done marks the notification sent
                 certainly not sent, for now (server away, 4xx, timeout before handover)
                                            -> EffectNotPerformed: again after a back-off,
                                               `failed` when the attempts run out
                 certainly not sent, for good (a 5xx to MAIL/RCPT/DATA)
                                            -> EffectRefused: `failed` at once
                 maybe sent (the connection broke during the handover)
                                            -> raised as is: the outcome is unknown
    reconcile: the default (cannot tell): SMTP cannot be asked whether a message was
               delivered, so an unknown outcome, a crash between the send and its
               marking included, is `in_doubt` for staff and never sent again by itself.
               A channel that can be asked (a chat API listing what was posted) answers
               here instead.
    on_failed: marks the notification failed / in_doubt with the reason.

Telegram (`notifier.telegram`): the same, with a 403 (the user blocked the bot) `failed`
at once with reason `bot_blocked` and the chat unlinked in that transaction, and a 429
back to pending no sooner than its `retry_after` (EffectNotPerformed(retry_after=...)).
reconcile stays the default: the Bot API cannot be asked what a bot posted, so a
timeout after the request went out is `in_doubt`. `notifier.telegram_reply` is the
bot's answer to an update (linked, or why not): no notification row, nothing to mark.
Slack (`notifier.slack`): a 4xx `failed` at once, a 5xx / timeout / no connection tried
again (safe to repeat: a staff alert twice is better than none).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from walletreports.kit import Clock, EffectNotPerformed, EffectPolicy, EffectRefused, Intent
from walletreports.kit.effects import IN_DOUBT, Performer

from ..domain import Channel, OutgoingEmail, ReasonCode
from ..domain.telegram import OutgoingTelegram
from ..service_layer import delivery
from ..service_layer.ports import (
    EmailSender,
    NotSent,
    RetryLater,
    SlackSender,
    TelegramSender,
)
from .metrics import count
from .unit_of_work import NotifierUnitOfWork

log = logging.getLogger(__name__)


BOT_BLOCKED = "bot_blocked:"  # BotBlocked's reason, in the kit's "refused: ..."


def _not_sent(channel: Channel | None, failure: NotSent) -> Exception:
    """What the runner is told of a send that certainly did not happen."""
    if failure.permanent:
        return EffectRefused(failure.reason)
    if channel is not None:
        count(channel.value, "retried")
    if isinstance(failure, RetryLater):
        wait = timedelta(seconds=failure.retry_after_seconds)
        return EffectNotPerformed(failure.reason, retry_after=wait)
    return EffectNotPerformed(failure.reason)


class _NotificationPerformer(Performer):
    """A channel's sends of notification rows: what every channel does alike (the row
    marked sent when done, failed / in_doubt with the reason otherwise)."""

    channel: Channel

    def __init__(self, *, clock: Clock, policy: EffectPolicy) -> None:
        self.clock = clock
        self.policy = policy

    async def on_done(self, uow: Any, intent: Intent, result: Any) -> None:
        await self.on_done_many(uow, [(intent, result)])

    async def on_done_many(self, uow: Any, done: Sequence[tuple[Intent, Any]]) -> None:
        ids = [_id(intent) for intent, _ in done]
        await delivery.delivered(_unit(uow), ids, at=self.clock.now())

    async def on_failed(self, uow: Any, intent: Intent, status: str, reason: str) -> None:
        unit = _unit(uow)
        count(self.channel.value, status)
        code = await self._failure_code(unit, intent, reason)
        await delivery.undelivered(
            unit,
            _id(intent),
            doubt=status == IN_DOUBT,
            reason=reason,
            at=self.clock.now(),
            code=code,
        )

    async def _failure_code(
        self, unit: NotifierUnitOfWork, intent: Intent, reason: str
    ) -> ReasonCode | None:
        """A channel's own reading of a failure (None: the generic one)."""
        return None


class EmailPerformer(_NotificationPerformer):
    channel = Channel.EMAIL

    def __init__(self, sender: EmailSender, *, clock: Clock, policy: EffectPolicy) -> None:
        super().__init__(clock=clock, policy=policy)
        self.sender = sender

    async def perform(self, intent: Intent) -> Any:
        try:
            email = OutgoingEmail.from_payload(intent.payload)
        except ValueError as error:
            raise EffectRefused(str(error)) from None
        try:
            answer = await self.sender.send(email)
        except NotSent as failure:
            raise _not_sent(self.channel, failure) from None
        count(self.channel.value, "sent")
        log.info(
            "email %s (%s) sent: %s",
            email.message_id,
            email.headers.get("X-Notification-Template", "?"),
            answer,
        )
        return {"message_id": email.message_id, "answer": answer}


async def _send_telegram(sender: TelegramSender, intent: Intent, channel: Channel | None) -> Any:
    try:
        message = OutgoingTelegram.from_payload(intent.payload)
    except ValueError as error:
        raise EffectRefused(str(error)) from None
    try:
        message_id = await sender.send(message)
    except NotSent as failure:
        raise _not_sent(channel, failure) from None
    return {"chat_id": message.chat_id, "message_id": message_id}


class TelegramPerformer(_NotificationPerformer):
    channel = Channel.TELEGRAM

    def __init__(self, sender: TelegramSender, *, clock: Clock, policy: EffectPolicy) -> None:
        super().__init__(clock=clock, policy=policy)
        self.sender = sender

    async def perform(self, intent: Intent) -> Any:
        sent = await _send_telegram(self.sender, intent, self.channel)
        count(self.channel.value, "sent")
        return sent

    async def _failure_code(
        self, unit: NotifierUnitOfWork, intent: Intent, reason: str
    ) -> ReasonCode | None:
        if not (reason.startswith("refused") and BOT_BLOCKED in reason):
            return None
        chat_id = intent.payload.get("chat_id")
        if isinstance(chat_id, int):
            await unit.contacts.unlink_telegram(chat_id)
            log.info("telegram chat %s blocked the bot: unlinked", chat_id)
        return ReasonCode.BOT_BLOCKED


class TelegramReplyPerformer(Performer):
    """The bot's answer to one update (key: its update_id): no notification row."""

    def __init__(self, sender: TelegramSender, *, policy: EffectPolicy) -> None:
        self.sender = sender
        self.policy = policy

    async def perform(self, intent: Intent) -> Any:
        return await _send_telegram(self.sender, intent, None)


class SlackPerformer(_NotificationPerformer):
    channel = Channel.SLACK

    def __init__(self, sender: SlackSender, *, clock: Clock, policy: EffectPolicy) -> None:
        super().__init__(clock=clock, policy=policy)
        self.sender = sender

    async def perform(self, intent: Intent) -> Any:
        if not isinstance(intent.payload.get("text"), str):
            raise EffectRefused("not a Slack payload: no text")
        try:
            answer = await self.sender.send(intent.payload)
        except NotSent as failure:
            raise _not_sent(self.channel, failure) from None
        count(self.channel.value, "sent")
        return {"answer": answer}


def _id(intent: Intent) -> uuid.UUID:
    return uuid.UUID(intent.key)


def _unit(uow: Any) -> NotifierUnitOfWork:
    if not isinstance(uow, NotifierUnitOfWork):
        raise TypeError(f"the effect runner gave a {type(uow).__name__}, not the service's unit")
    return uow
