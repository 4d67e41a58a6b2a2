"""Account mail (service_layer.transactional) on fakes: sent once per Idempotency-Key,
replayed, refused for another body, tried again only when it certainly was not sent,
and its link stored nowhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from walletreports.notifier.domain import (
    EmailUnavailable,
    IdempotencyKeyReused,
    LinkNotOurs,
    Links,
    NotificationStatus,
    ReasonCode,
    RecipientRefused,
    SendInProgress,
    TemplateName,
)
from walletreports.notifier.service_layer import reminders
from walletreports.notifier.service_layer.ports import MaybeSent, NotSent
from walletreports.notifier.service_layer.transactional import (
    AccountMail,
    key_hash,
    send_account_mail,
)

from .fakes import FakeEmailChannel, FakeSender, FakeUnitOfWork, units_of

S, R = NotificationStatus, ReasonCode
NOW = datetime(2026, 2, 26, 12, 0, tzinfo=UTC)
LINKS = Links("https://reports.example.com")
TOKEN = "tok_5e1f0c6b9d2a4e7f"
MAIL = AccountMail(
    template=TemplateName.PASSWORD_RESET,
    to="ada@example.com",
    name="Ada",
    link=f"https://reports.example.com/reset?token={TOKEN}",
    expires_in_minutes=30,
)


class Clock:
    def __init__(self) -> None:
        self.at = NOW

    def __call__(self) -> datetime:
        return self.at


async def send(uow, sender, mail=MAIL, key="key-1", clock=None):
    return await send_account_mail(
        units_of(uow),
        idempotency_key=key,
        mail=mail,
        email=FakeEmailChannel(),
        sender=sender,
        links=LINKS,
        now=clock or Clock(),
        stale_after=timedelta(minutes=5),
    )


def assert_no_secret(uow: FakeUnitOfWork) -> None:
    for n in uow.notifications.all():
        assert TOKEN not in repr(n)
        assert n.context is None
    assert len(uow.effects) == 0  # never a durable side effect: its payload is stored


async def test_sent_once_and_replayed():
    uow, sender = FakeUnitOfWork(), FakeSender()
    first = await send(uow, sender)
    assert (first.replayed, first.notification.status) == (False, S.SENT)
    assert len(sender.sent) == 1 and TOKEN in sender.sent[0].text
    again = await send(uow, sender)
    assert (again.replayed, again.notification.id) == (True, first.notification.id)
    assert len(sender.sent) == 1
    stored = uow.notifications.only()
    assert (
        stored.key == f"transactional:{key_hash('key-1')}" and stored.recipient == "ada@example.com"
    )
    assert_no_secret(uow)


async def test_the_same_key_for_another_recipient_is_refused():
    uow, sender = FakeUnitOfWork(), FakeSender()
    await send(uow, sender)
    other = AccountMail(TemplateName.PASSWORD_RESET, "eve@example.com", None, MAIL.link)
    with pytest.raises(IdempotencyKeyReused):
        await send(uow, sender, other)
    assert len(sender.sent) == 1


async def test_a_link_that_is_not_the_products_is_refused_before_anything():
    uow, sender = FakeUnitOfWork(), FakeSender()
    phishing = AccountMail(
        TemplateName.EMAIL_VERIFICATION, "ada@example.com", None, "https://evil.test/x"
    )
    with pytest.raises(LinkNotOurs):
        await send(uow, sender, phishing)
    assert uow.notifications.all() == [] and sender.sent == []


async def test_unavailable_then_tried_again_with_the_same_key():
    uow, sender = FakeUnitOfWork(), FakeSender(NotSent("connect: refused", permanent=False))
    with pytest.raises(EmailUnavailable):
        await send(uow, sender)
    assert (uow.notifications.only().status, uow.notifications.only().reason_code) == (
        S.FAILED,
        R.UNAVAILABLE,
    )
    answer = await send(uow, sender)
    assert answer.notification.status is S.SENT and not answer.replayed and len(sender.sent) == 1
    assert_no_secret(uow)


async def test_refused_for_good_answers_the_same_refusal_again():
    uow = FakeUnitOfWork()
    sender = FakeSender(NotSent("RCPT TO: 550 no such user", permanent=True))
    with pytest.raises(RecipientRefused):
        await send(uow, sender)
    with pytest.raises(RecipientRefused):
        await send(uow, sender)
    assert sender.sent == []


async def test_maybe_sent_is_in_doubt_and_never_sent_again():
    uow, sender = FakeUnitOfWork(), FakeSender(MaybeSent("DATA: connection lost"))
    first = await send(uow, sender)
    assert (first.notification.status, first.notification.reason_code) == (
        S.IN_DOUBT,
        R.DELIVERY_UNKNOWN,
    )
    again = await send(uow, sender)
    assert again.replayed and again.notification.status is S.IN_DOUBT and sender.sent == []


async def test_a_send_interrupted_by_a_crash_is_in_doubt_after_a_while():
    uow, sender, clock = FakeUnitOfWork(), FakeSender(), Clock()
    await send(uow, sender, clock=clock)
    stored = uow.notifications.only()
    stored.status, stored.sent_at = S.PENDING, None  # as if the process died mid-send
    uow.notifications.rows[stored.id] = stored
    with pytest.raises(SendInProgress):
        await send(uow, sender, clock=clock)
    clock.at = NOW + timedelta(minutes=6)
    answer = await send(uow, sender, clock=clock)
    assert (answer.notification.status, answer.notification.reason_code) == (
        S.IN_DOUBT,
        R.INTERRUPTED,
    )
    assert len(sender.sent) == 1


async def test_the_schedule_settles_interrupted_account_mail():
    uow, sender = FakeUnitOfWork(), FakeSender()
    await send(uow, sender)
    stored = uow.notifications.only()
    stored.status = S.PENDING
    uow.notifications.rows[stored.id] = stored
    settled = await reminders.settle_interrupted_account_mail(
        units_of(uow), stale_after=timedelta(minutes=5), now=NOW + timedelta(minutes=6)
    )
    assert settled == 1 and uow.notifications.only().reason_code is R.INTERRUPTED
