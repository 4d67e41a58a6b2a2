"""What staff do with a notification from the console: send it again.

- failed or in doubt: the recorded send is put back to pending (`kit.effects.retry`),
  the very same message (same Message-ID) to the same address. For one in doubt staff
  are saying it did not arrive, or that a second copy is acceptable;
- refused (unknown user or order, no address, a template that could not render) or
  skipped because its event was too old: resolved and composed afresh from the facts
  it kept (the contact may be known by now), then sent;
- anything else (sent, pending, skipped on purpose, account mail) is a Conflict.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from ..domain import CannotRender, Notification, NotificationNotFound, NotResendable, ResendKind
from .notifying import resolve_again
from .ports import Channels, NotifierUnitOfWorkPort


@dataclass(frozen=True)
class Resent:
    notification: Notification
    kind: ResendKind


async def resend(
    uow: NotifierUnitOfWorkPort,
    notification_id: uuid.UUID,
    *,
    staff_email: str,
    channels: Channels,
    now: datetime,
) -> Resent:
    notification = await uow.notifications.get(notification_id, lock=True)
    if notification is None:
        raise NotificationNotFound(notification_id)
    kind = notification.resend(by=f"staff:{staff_email}", at=now)
    kind_of_effect = notification.channel.effect_kind
    if kind is ResendKind.SAME_MESSAGE:
        if not await uow.retry_effect(kind_of_effect, str(notification.id)):
            raise NotResendable("its send is not failed or in doubt any more; look again")
    else:
        target = await resolve_again(uow, notification, channels)
        if target.problem is not None or target.recipient is None:
            why = target.problem.reason if target.problem is not None else "no recipient"
            raise NotResendable(f"it still cannot be sent: {why}")
        try:
            composed = channels[notification.channel].compose(
                notification_id=notification.id,
                template=notification.template,
                context=notification.context or {},
                recipient=target.recipient,
            )
        except CannotRender as error:
            raise NotResendable(f"it still cannot be sent: {error.message}") from None
        notification.recomposed(
            recipient=target.recipient.address,
            subject=composed.subject,
            message_id=composed.message_id,
        )
        notification.user_id = notification.user_id or target.user_id
        requested = await uow.request_effect(
            kind_of_effect,
            str(notification.id),
            composed.payload,
            correlation_id=notification.correlation_id,
        )
        if not requested and not await uow.retry_effect(kind_of_effect, str(notification.id)):
            raise NotResendable("its send is under way already")
    await uow.notifications.save(notification)
    return Resent(notification, kind)
