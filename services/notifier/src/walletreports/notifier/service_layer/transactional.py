"""Account mail from web (POST /v1/transactional): an email verification or a password
reset, whose link carries a one-time token.

The link is a secret: it goes from the request to the mail server and nowhere else. It
is not put on a stream, not in a side effect's payload, not in the notification row, not
in a log line. So this send cannot be the kit's durable side effect (that stores its
payload); it is done in the request, between two short transactions, with the same
exactly-once bookkeeping:

1. the row is claimed for the Idempotency-Key (kept as a SHA-256, with a hash of the
   template and recipient to tell a replay from a reused key) and committed as
   `pending` before anything is sent;
2. the message is handed to the server, outside any transaction;
3. the outcome is written: `sent`, `failed` (the server refused it for good: the same
   key answers the same refusal; or it could not be reached: the same key tries again),
   or `in_doubt` (the connection broke after the message was handed over).

The same key again replays what happened (sent or in doubt: nothing is sent twice); a
row left `pending` by a send that never finished (the process stopped) is in doubt after
`stale_after`, and is never sent again: the user asks for a new link.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..domain import (
    TRANSACTIONAL_TEMPLATES,
    Channel,
    EmailUnavailable,
    IdempotencyKeyReused,
    LinkNotOurs,
    Links,
    Notification,
    NotificationStatus,
    OutgoingEmail,
    ReasonCode,
    Recipient,
    RecipientRefused,
    SendInProgress,
    TemplateName,
    ToAddress,
    account_mail_key,
)
from ..domain.errors import CannotRender
from .ports import ChannelPort, EmailSender, MaybeSent, NotifierUnitOfWorkPort, NotSent

S, R = NotificationStatus, ReasonCode

INTERRUPTED = "the send was interrupted (the service stopped) before its outcome was recorded"

Units = Callable[[], AbstractAsyncContextManager[NotifierUnitOfWorkPort]]


@dataclass(frozen=True)
class AccountMail:
    template: TemplateName
    to: str
    name: str | None
    link: str
    expires_in_minutes: int | None = None


@dataclass(frozen=True)
class AccountMailAnswer:
    notification: Notification
    replayed: bool


def key_hash(idempotency_key: str) -> str:
    return hashlib.sha256(idempotency_key.encode()).hexdigest()


def fingerprint(mail: AccountMail) -> str:
    """What a replay must match: the template and the recipient (never the link)."""
    text = f"{mail.template.value}\n{mail.to.strip().lower()}\n{mail.name or ''}"
    return hashlib.sha256(text.encode()).hexdigest()


async def send_account_mail(
    units: Units,
    *,
    idempotency_key: str,
    mail: AccountMail,
    email: ChannelPort,
    sender: EmailSender,
    links: Links,
    now: Callable[[], datetime],
    stale_after: timedelta,
) -> AccountMailAnswer:
    if mail.template not in TRANSACTIONAL_TEMPLATES:
        raise CannotRender(f"{mail.template.value} is not account mail", field="template")
    if not links.is_ours(mail.link):
        raise LinkNotOurs(links.base_url)
    key = account_mail_key(key_hash(idempotency_key))
    recipient = Recipient(mail.to.strip(), mail.name)
    context = {"link": mail.link, "expires_in_minutes": mail.expires_in_minutes}

    async with units() as uow:
        stored = await uow.notifications.by_key(key, lock=True)
        if stored is not None:
            if stored.fingerprint != fingerprint(mail):
                raise IdempotencyKeyReused()
            if stored.status is S.PENDING:
                if now() - stored.updated_at < stale_after:
                    raise SendInProgress()
                stored.undelivered(doubt=True, code=R.INTERRUPTED, reason=INTERRUPTED, at=now())
                await uow.notifications.save(stored)
                return _answer(stored, replayed=True)
            if not (stored.status is S.FAILED and stored.reason_code is R.UNAVAILABLE):
                return _answer(stored, replayed=True)
            stored.try_again(at=now())  # it certainly was not sent: now it may be
            notification = stored
        else:
            at = now()
            notification = Notification(
                id=uuid.uuid4(),
                key=key,
                fact=key,
                template=mail.template,
                channel=Channel.EMAIL,
                audience=ToAddress(recipient.address).key,
                status=S.PENDING,
                created_at=at,
                updated_at=at,
                recipient=recipient.address,
                fingerprint=fingerprint(mail),
            )
        composed = email.compose(
            notification_id=notification.id,
            template=mail.template,
            context=context,
            recipient=recipient,
        )
        notification.subject = composed.subject
        notification.message_id = composed.message_id
        if stored is None:
            if not await uow.notifications.add(notification):
                raise SendInProgress()  # another request with this key got here first
        else:
            await uow.notifications.save(notification)
    message = OutgoingEmail.from_payload(composed.payload)
    del composed, context  # the link goes to the server and nowhere else

    doubt, code, reason = False, None, ""
    try:
        await sender.send(message)
    except NotSent as error:
        code = R.UNDELIVERABLE if error.permanent else R.UNAVAILABLE
        reason = error.reason
    except MaybeSent as error:
        doubt, code, reason = True, R.DELIVERY_UNKNOWN, str(error)
    del message

    async with units() as uow:
        stored = await uow.notifications.get(notification.id, lock=True)
        assert stored is not None  # committed above; rows are never deleted
        if code is None:
            stored.delivered(at=now())
        else:
            stored.undelivered(doubt=doubt, code=code, reason=reason, at=now())
        await uow.notifications.save(stored)
    return _answer(stored, replayed=False)


def _answer(notification: Notification, *, replayed: bool) -> AccountMailAnswer:
    if notification.status is S.FAILED:
        if notification.reason_code is R.UNDELIVERABLE:
            raise RecipientRefused(f"the mail server refused it: {notification.reason}", field="to")
        raise EmailUnavailable(f"the mail server cannot take it now: {notification.reason}")
    return AccountMailAnswer(notification, replayed)
