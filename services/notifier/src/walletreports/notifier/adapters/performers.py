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
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from walletreports.kit import Clock, EffectNotPerformed, EffectPolicy, EffectRefused, Intent
from walletreports.kit.effects import IN_DOUBT, Performer

from ..domain import Channel, OutgoingEmail
from ..service_layer import delivery
from ..service_layer.ports import EmailSender, NotSent
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


def _id(intent: Intent) -> uuid.UUID:
    return uuid.UUID(intent.key)


def _unit(uow: Any) -> NotifierUnitOfWork:
    if not isinstance(uow, NotifierUnitOfWork):
        raise TypeError(f"the effect runner gave a {type(uow).__name__}, not the service's unit")
    return uow
