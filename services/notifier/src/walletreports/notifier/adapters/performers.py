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
from datetime import timedelta
from typing import Any

from walletreports.kit import Clock, EffectNotPerformed, EffectPolicy, EffectRefused, Intent
from walletreports.kit.effects import IN_DOUBT, Performer

from ..domain import Channel, OutgoingEmail, ReasonCode
from ..domain.telegram import OutgoingTelegram
from ..service_layer import delivery
from ..service_layer.ports import (
    BotBlocked,
    EmailSender,
    NotSent,
    RetryLater,
    SlackSender,
    TelegramSender,
)
from .metrics import count
from .unit_of_work import NotifierUnitOfWork

log = logging.getLogger(__name__)


class EmailPerformer(Performer):
    channel = Channel.EMAIL

    def __init__(self, sender: EmailSender, *, clock: Clock, policy: EffectPolicy) -> None:
        self.sender = sender
        self.clock = clock
        self.policy = policy

    async def perform(self, intent: Intent) -> Any:
        try:
            email = OutgoingEmail.from_payload(intent.payload)
        except ValueError as error:
            raise EffectRefused(str(error)) from None
        try:
            answer = await self.sender.send(email)
        except NotSent as failure:
            if failure.permanent:
                raise EffectRefused(failure.reason) from None
            count(self.channel.value, "retried")
            raise EffectNotPerformed(failure.reason) from None
        count(self.channel.value, "sent")
        log.info(
            "email %s (%s) sent: %s",
            email.message_id,
            email.headers.get("X-Notification-Template", "?"),
            answer,
        )
        return {"message_id": email.message_id, "answer": answer}

    async def on_done(self, uow: Any, intent: Intent, result: Any) -> None:
        await delivery.delivered(_unit(uow), _id(intent), at=self.clock.now())

    async def on_failed(self, uow: Any, intent: Intent, status: str, reason: str) -> None:
        count(self.channel.value, status)
        await delivery.undelivered(
            _unit(uow), _id(intent), doubt=status == IN_DOUBT, reason=reason, at=self.clock.now()
        )


BOT_BLOCKED = "bot_blocked:"  # BotBlocked's reason, in the kit's "refused: ..."


def _not_sent(channel: Channel, failure: NotSent) -> Exception:
    """What the runner is told of a send that certainly did not happen."""
    if failure.permanent:
        return EffectRefused(failure.reason)
    count(channel.value, "retried")
    if isinstance(failure, RetryLater):
        wait = timedelta(seconds=failure.retry_after_seconds)
        return EffectNotPerformed(failure.reason, retry_after=wait)
    return EffectNotPerformed(failure.reason)


class TelegramPerformer(Performer):
    channel = Channel.TELEGRAM

    def __init__(self, sender: TelegramSender, *, clock: Clock, policy: EffectPolicy) -> None:
        self.sender = sender
        self.clock = clock
        self.policy = policy

    async def perform(self, intent: Intent) -> Any:
        try:
            message = OutgoingTelegram.from_payload(intent.payload)
        except ValueError as error:
            raise EffectRefused(str(error)) from None
        try:
            message_id = await self.sender.send(message)
        except NotSent as failure:
            raise _not_sent(self.channel, failure) from None
        count(self.channel.value, "sent")
        return {"chat_id": message.chat_id, "message_id": message_id}

    async def on_done(self, uow: Any, intent: Intent, result: Any) -> None:
        await delivery.delivered(_unit(uow), _id(intent), at=self.clock.now())

    async def on_failed(self, uow: Any, intent: Intent, status: str, reason: str) -> None:
        unit = _unit(uow)
        count(self.channel.value, status)
        code = None
        if reason.startswith("refused") and BOT_BLOCKED in reason:
            code = ReasonCode.BOT_BLOCKED
            chat_id = intent.payload.get("chat_id")
            if isinstance(chat_id, int):
                await unit.contacts.unlink_telegram(chat_id)
                log.info("telegram chat %s blocked the bot: unlinked", chat_id)
        await delivery.undelivered(
            unit,
            _id(intent),
            doubt=status == IN_DOUBT,
            reason=reason,
            at=self.clock.now(),
            code=code,
        )


class TelegramReplyPerformer(Performer):
    """The bot's answer to one update (key: its update_id)."""

    def __init__(self, sender: TelegramSender, *, policy: EffectPolicy) -> None:
        self.sender = sender
        self.policy = policy

    async def perform(self, intent: Intent) -> Any:
        try:
            message = OutgoingTelegram.from_payload(intent.payload)
        except ValueError as error:
            raise EffectRefused(str(error)) from None
        try:
            message_id = await self.sender.send(message)
        except NotSent as failure:
            if failure.permanent or isinstance(failure, BotBlocked):
                raise EffectRefused(failure.reason) from None
            if isinstance(failure, RetryLater):
                wait = timedelta(seconds=failure.retry_after_seconds)
                raise EffectNotPerformed(failure.reason, retry_after=wait) from None
            raise EffectNotPerformed(failure.reason) from None
        return {"chat_id": message.chat_id, "message_id": message_id}


class SlackPerformer(Performer):
    channel = Channel.SLACK

    def __init__(self, sender: SlackSender, *, clock: Clock, policy: EffectPolicy) -> None:
        self.sender = sender
        self.clock = clock
        self.policy = policy

    async def perform(self, intent: Intent) -> Any:
        if not isinstance(intent.payload.get("text"), str):
            raise EffectRefused("not a Slack payload: no text")
        try:
            answer = await self.sender.send(intent.payload)
        except NotSent as failure:
            raise _not_sent(self.channel, failure) from None
        count(self.channel.value, "sent")
        return {"answer": answer}

    async def on_done(self, uow: Any, intent: Intent, result: Any) -> None:
        await delivery.delivered(_unit(uow), _id(intent), at=self.clock.now())

    async def on_failed(self, uow: Any, intent: Intent, status: str, reason: str) -> None:
        count(self.channel.value, status)
        await delivery.undelivered(
            _unit(uow), _id(intent), doubt=status == IN_DOUBT, reason=reason, at=self.clock.now()
        )


def _id(intent: Intent) -> uuid.UUID:
    return uuid.UUID(intent.key)


def _unit(uow: Any) -> NotifierUnitOfWork:
    if not isinstance(uow, NotifierUnitOfWork):
        raise TypeError(f"the effect runner gave a {type(uow).__name__}, not the service's unit")
    return uow
