"""A send's outcome on its notification (service_layer.delivery, the performer's hooks)
and staff's resend (service_layer.staff), on fakes."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from walletreports.notifier.domain import (
    NotificationNotFound,
    NotificationStatus,
    NotResendable,
    ReasonCode,
    ResendKind,
)
from walletreports.notifier.service_layer import delivery, notices, staff
from walletreports.notifier.service_layer.notifying import DeliveryRules, deliver

from . import events as ev
from .fakes import FakeEmailChannel, FakeUnitOfWork, as_port, channels, contact

S, R = NotificationStatus, ReasonCode
RULES = DeliveryRules(max_event_age=timedelta(hours=72))
NOW = ev.NOW + timedelta(seconds=1)
LATER = NOW + timedelta(minutes=10)
GRACE = "grace@example.com"


async def queued(uow: FakeUnitOfWork, email: FakeEmailChannel | None = None, user_id=None):
    event = ev.order_paid(
        user_id or (uow.contacts.rows and next(iter(uow.contacts.rows))) or uuid.uuid4()
    )
    async with uow:
        written = await deliver(
            as_port(uow),
            notices.payment_received(event),
            channels=channels(email or FakeEmailChannel()),
            rules=RULES,
            now=NOW,
        )
    return written[0]


async def test_delivered_and_undelivered_mark_the_notification():
    ada = contact()
    uow = FakeUnitOfWork(contacts=(ada,))
    n = await queued(uow)
    assert await delivery.delivered(as_port(uow), [n.id], at=LATER) == {n.id: S.SENT}
    assert uow.notifications.only().sent_at == LATER
    other = FakeUnitOfWork(contacts=(ada,))
    m = await queued(other)
    status = await delivery.undelivered(
        as_port(other),
        m.id,
        doubt=False,
        reason="refused: EffectRefused: RCPT TO: 550 no such user",
        at=LATER,
    )
    assert status is S.FAILED and other.notifications.only().reason_code is R.UNDELIVERABLE
    third = FakeUnitOfWork(contacts=(ada,))
    k = await queued(third)
    await delivery.undelivered(
        as_port(third),
        k.id,
        doubt=False,
        reason="not performed: connect: refused (gave up after 8 attempts)",
        at=LATER,
    )
    assert third.notifications.only().reason_code is R.GAVE_UP
    fourth = FakeUnitOfWork(contacts=(ada,))
    j = await queued(fourth)
    await delivery.undelivered(
        as_port(fourth), j.id, doubt=True, reason="outcome unknown", at=LATER
    )
    assert (fourth.notifications.only().status, fourth.notifications.only().reason_code) == (
        S.IN_DOUBT,
        R.DELIVERY_UNKNOWN,
    )


async def test_an_outcome_for_a_row_that_is_not_there_is_logged_not_raised():
    uow = FakeUnitOfWork()
    assert await delivery.delivered(as_port(uow), [uuid.uuid4()], at=LATER) == {}


async def test_sends_done_together_are_marked_together_each_once():
    ada, bob = contact(), contact("bob@example.com")
    uow = FakeUnitOfWork(contacts=(ada, bob))
    first = await queued(uow, user_id=ada.user_id)
    second = await queued(uow, user_id=bob.user_id)
    marked = await delivery.delivered(as_port(uow), [first.id, second.id], at=LATER)
    assert marked == {first.id: S.SENT, second.id: S.SENT}
    # A late second outcome for one of them changes nothing.
    assert await delivery.delivered(as_port(uow), [first.id], at=LATER) == {first.id: S.SENT}
    assert {n.sent_at for n in uow.notifications.all()} == {LATER}


async def test_resend_of_a_failed_send_retries_the_same_message():
    ada = contact()
    uow = FakeUnitOfWork(contacts=(ada,))
    n = await queued(uow)
    await delivery.undelivered(as_port(uow), n.id, doubt=False, reason="refused: 550", at=NOW)
    uow.effects.settle(n, "failed")
    async with uow:
        resent = await staff.resend(
            as_port(uow), n.id, staff_email=GRACE, channels=channels(FakeEmailChannel()), now=LATER
        )
    assert resent.kind is ResendKind.SAME_MESSAGE
    stored = uow.notifications.only()
    assert (stored.status, stored.resends, stored.last_resent_by) == (
        S.PENDING,
        1,
        f"staff:{GRACE}",
    )
    assert stored.message_id == n.message_id  # the same message, recognisable
    assert uow.effects.of(n).status == "pending" and uow.effects.of(n).retried == 1


async def test_resend_when_the_send_is_not_failed_any_more_changes_nothing():
    ada = contact()
    uow = FakeUnitOfWork(contacts=(ada,))
    n = await queued(uow)
    await delivery.undelivered(as_port(uow), n.id, doubt=True, reason="outcome unknown", at=NOW)
    # the side effect was settled meanwhile (say a late outcome): it is not failed or in doubt
    uow.effects.settle(n, "done")
    with pytest.raises(NotResendable):
        async with uow:
            await staff.resend(
                as_port(uow),
                n.id,
                staff_email=GRACE,
                channels=channels(FakeEmailChannel()),
                now=LATER,
            )
    assert uow.notifications.only().status is S.IN_DOUBT and uow.notifications.only().resends == 0


async def test_resend_of_a_refused_one_composes_it_afresh_once_the_user_is_known():
    user_id = uuid.uuid4()
    uow = FakeUnitOfWork()
    n = await queued(uow, user_id=user_id)
    assert n.reason_code is R.UNKNOWN_USER and len(uow.effects) == 0
    with pytest.raises(NotResendable, match="still cannot be sent"):
        async with uow:
            await staff.resend(
                as_port(uow),
                n.id,
                staff_email=GRACE,
                channels=channels(FakeEmailChannel()),
                now=LATER,
            )
    ada = contact()
    uow.contacts.rows[user_id] = type(ada)(
        user_id, ada.email, ada.display_name
    )  # web told us since
    email = FakeEmailChannel()
    async with uow:
        resent = await staff.resend(
            as_port(uow), n.id, staff_email=GRACE, channels=channels(email), now=LATER
        )
    assert resent.kind is ResendKind.COMPOSE_AGAIN
    stored = uow.notifications.only()
    assert (stored.status, stored.recipient, stored.reason_code) == (S.PENDING, ada.email, None)
    assert stored.message_id == f"<{n.id}@example.com>"
    assert uow.effects.of(stored).payload["to"] == ada.email
    assert email.composed[0][2]["order_id"] == n.context["order_id"]  # the facts it kept


async def test_resend_refuses_what_was_sent_or_skipped_on_purpose_and_unknown_ids():
    ada = contact(payment_received=False)
    uow = FakeUnitOfWork(contacts=(ada,))
    skipped = await queued(uow)
    assert skipped.reason_code is R.OPTED_OUT
    with pytest.raises(NotResendable, match="on purpose"):
        async with uow:
            await staff.resend(
                as_port(uow),
                skipped.id,
                staff_email=GRACE,
                channels=channels(FakeEmailChannel()),
                now=LATER,
            )
    with pytest.raises(NotificationNotFound):
        async with uow:
            await staff.resend(
                as_port(uow),
                uuid.uuid4(),
                staff_email=GRACE,
                channels=channels(FakeEmailChannel()),
                now=LATER,
            )
