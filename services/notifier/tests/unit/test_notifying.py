"""What each event tells whom (service_layer.notices) and how a notice becomes rows and
sends (service_layer.notifying), on fakes: one row per target, refused / skipped with
the reason for bad data and choices, and nothing new when a fact comes again."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from walletreports.notifier.domain import (
    Channel,
    KnownOrder,
    NotificationStatus,
    ReasonCode,
    TemplateName,
)
from walletreports.notifier.service_layer import notices
from walletreports.notifier.service_layer.notifying import DeliveryRules, deliver

from . import events as ev
from .fakes import FakeEmailChannel, FakeUnitOfWork, as_port, channels, contact

S, R, T = NotificationStatus, ReasonCode, TemplateName
RULES = DeliveryRules(max_event_age=timedelta(hours=72))
NOW = ev.NOW + timedelta(seconds=2)
STAFF = ("ops@example.com", "finance@example.com")


async def tell(uow: FakeUnitOfWork, planned, email: FakeEmailChannel | None = None, *, now=NOW):
    email = email or FakeEmailChannel(staff=STAFF)
    written = []
    async with uow:
        for notice in planned:
            written += await deliver(
                as_port(uow), [notice], channels=channels(email), rules=RULES, now=now
            )
    return written


async def test_payment_received_is_queued_for_the_user_with_its_send():
    ada = contact()
    uow = FakeUnitOfWork(contacts=(ada,))
    event = ev.order_paid(ada.user_id)
    (n,) = await tell(uow, notices.payment_received(event))
    assert (n.status, n.template, n.channel, n.recipient) == (
        S.PENDING,
        T.PAYMENT_RECEIVED,
        Channel.EMAIL,
        ada.email,
    )
    assert (n.user_id, n.order_id, n.event_id, n.event_subject) == (
        ada.user_id,
        event.order_id,
        event.event_id,
        "orders.order.paid.v1",
    )
    assert n.fact == f"order:{event.order_id}" and n.audience == f"user:{ada.user_id}"
    assert n.subject == "subject of payment_received"
    assert n.message_id == f"<{n.id}@example.com>"
    effect = uow.effects.of(n)
    assert (effect.kind, effect.key, effect.payload["to"]) == (
        "notifier.email",
        str(n.id),
        ada.email,
    )
    assert effect.correlation_id == str(event.order_id)
    assert uow.notifications.only().status is S.PENDING


async def test_an_order_paid_by_subscription_had_no_payment_to_acknowledge():
    ada = contact()
    assert notices.payment_received(ev.order_paid(ada.user_id, paid_via="subscription")) == []
    assert len(notices.payment_received(ev.order_paid(ada.user_id, paid_via="staff"))) == 1


async def test_the_same_fact_under_a_new_event_id_sends_nothing_new():
    ada = contact()
    uow = FakeUnitOfWork(contacts=(ada,))
    first = ev.order_paid(ada.user_id)
    again = ev.order_paid(ada.user_id, order_id=first.order_id)  # a new event id
    assert first.event_id != again.event_id
    assert len(await tell(uow, notices.payment_received(first))) == 1
    assert await tell(uow, notices.payment_received(again)) == []
    assert len(uow.notifications.all()) == 1 and len(uow.effects) == 1


async def test_a_category_the_user_turned_off_is_skipped_with_the_reason():
    ada = contact(processing_started=False)
    uow = FakeUnitOfWork(contacts=(ada,))
    order_id = uuid.uuid4()
    (n,) = await tell(uow, notices.processing_started(ev.analysis_started(ada.user_id, order_id)))
    assert (n.status, n.reason_code) == (S.SKIPPED, R.OPTED_OUT)
    assert "processing_started" in (n.reason or "")
    assert len(uow.effects) == 0
    # Service mail about the same order still goes: it is no category the user chooses.
    (failed,) = await tell(
        uow, notices.analysis_finished(ev.analysis_finished(ada.user_id, order_id, "failed", []))
    )
    assert failed.status is S.PENDING


async def test_an_unknown_user_is_refused_with_the_reason_and_nothing_is_sent():
    uow = FakeUnitOfWork()
    user_id = uuid.uuid4()
    (n,) = await tell(uow, notices.payment_received(ev.order_paid(user_id)))
    assert (n.status, n.reason_code, n.recipient, n.user_id) == (
        S.REFUSED,
        R.UNKNOWN_USER,
        None,
        user_id,
    )
    assert str(user_id) in (n.reason or "")
    assert len(uow.effects) == 0


async def test_a_contact_without_an_address_is_refused():
    nobody = contact(email="   ")
    uow = FakeUnitOfWork(contacts=(nobody,))
    (n,) = await tell(uow, notices.payment_received(ev.order_paid(nobody.user_id)))
    assert (n.status, n.reason_code) == (S.REFUSED, R.NO_ADDRESS)


async def test_a_template_that_cannot_render_is_refused_with_what_went_wrong():
    ada = contact()
    uow = FakeUnitOfWork(contacts=(ada,))
    email = FakeEmailChannel(fail_templates=frozenset({T.REPORTS_READY}))
    event = ev.analysis_finished(ada.user_id, uuid.uuid4())
    (n,) = await tell(uow, notices.analysis_finished(event), email)
    assert (n.status, n.reason_code, n.reason) == (
        S.REFUSED,
        R.CANNOT_RENDER,
        "reports_ready: cannot render",
    )
    assert n.context is not None and n.context["reports"][0]["file_name"] == "defi_trades.csv"


async def test_an_old_event_is_skipped_not_mailed():
    ada = contact()
    uow = FakeUnitOfWork(contacts=(ada,))
    event = ev.order_paid(ada.user_id)
    (n,) = await tell(
        uow, notices.payment_received(event), now=event.occurred_at + timedelta(hours=73)
    )
    assert (n.status, n.reason_code, n.recipient) == (S.SKIPPED, R.STALE_EVENT, ada.email)
    assert len(uow.effects) == 0


@pytest.mark.parametrize(
    ("outcome", "template"),
    [("completed", T.REPORTS_READY), ("partial", T.ORDER_PARTIAL), ("failed", T.ORDER_FAILED)],
)
async def test_analysis_finished_tells_the_outcome_with_the_files(outcome, template):
    ada = contact()
    order_id = uuid.uuid4()
    uow = FakeUnitOfWork(
        contacts=(ada,),
        orders=(KnownOrder(order_id, ada.user_id, "wallet_report", ev.WALLET),),
    )
    event = ev.analysis_finished(
        ada.user_id, order_id, outcome, failed=["transfers"] if outcome != "completed" else []
    )
    (n,) = await tell(uow, notices.analysis_finished(event))
    assert (n.template, n.status) == (template, S.PENDING)
    assert n.context is not None
    assert [r["file_name"] for r in n.context["reports"]] == ["defi_trades.csv", "transfers.csv"]
    assert n.context["order"]["wallet_address"] == ev.WALLET  # what the notifier knows of it


async def test_payments_events_reach_the_owner_of_the_order_and_staff():
    ada = contact()
    order_id = uuid.uuid4()
    uow = FakeUnitOfWork(contacts=(ada,), orders=(KnownOrder(order_id, ada.user_id),))
    written = await tell(uow, notices.paid_late(ev.paid_late(order_id)))
    by = {(n.template, n.recipient) for n in written}
    assert by == {
        (T.PAYMENT_LATE, ada.email),
        (T.STAFF_PAID_LATE, "ops@example.com"),
        (T.STAFF_PAID_LATE, "finance@example.com"),
    }
    late = next(n for n in written if n.template is T.PAYMENT_LATE)
    assert late.audience == f"owner:{order_id}" and late.user_id == ada.user_id
    assert late.context is not None and late.context["amount"] == "20 USDC"
    assert all(n.status is S.PENDING for n in written) and len(uow.effects) == 3


async def test_an_event_for_an_order_the_notifier_never_saw_is_refused():
    uow = FakeUnitOfWork()
    order_id = uuid.uuid4()
    written = await tell(uow, notices.refund_requested(ev.refund_requested(order_id)))
    user = next(n for n in written if n.template is T.REFUND_REQUESTED)
    assert (user.status, user.reason_code, user.audience) == (
        S.REFUSED,
        R.UNKNOWN_ORDER,
        f"owner:{order_id}",
    )
    staff = [n for n in written if n.template is T.STAFF_REFUND_TO_SIGN]
    assert {n.status for n in staff} == {S.PENDING} and len(staff) == 2


async def test_staff_alerts_without_staff_addresses_are_skipped_with_the_reason():
    uow = FakeUnitOfWork()
    (n,) = await tell(uow, notices.intake_paused(ev.intake_paused()), FakeEmailChannel(staff=()))
    assert (n.status, n.reason_code, n.audience) == (S.SKIPPED, R.NO_STAFF_ADDRESSES, "staff")


async def test_a_budget_threshold_is_one_alert_per_period_and_threshold():
    uow = FakeUnitOfWork()
    first = ev.budget_threshold("daily", 80)
    again = ev.budget_threshold("daily", 80)  # the same crossing, published again
    other = ev.budget_threshold("daily", 100)
    weekly = ev.budget_threshold("weekly", 80)
    written = []
    for event in (first, again, other, weekly):
        written += await tell(
            uow, notices.budget_threshold(event), FakeEmailChannel(staff=("ops@example.com",))
        )
    assert sorted(n.fact for n in written) == [
        "budget:daily:2026-02-26:100",
        "budget:daily:2026-02-26:80",
        "budget:weekly:2026-W09:80",
    ]


async def test_every_query_failure_is_its_own_alert():
    uow = FakeUnitOfWork()
    order_id = uuid.uuid4()
    email = FakeEmailChannel(staff=("ops@example.com",))
    first = await tell(uow, notices.query_failed(ev.query_failed(order_id)), email)
    second = await tell(uow, notices.query_failed(ev.query_failed(order_id)), email)
    assert len(first) == len(second) == 1 and first[0].fact != second[0].fact
    assert first[0].context is not None and first[0].context["retryable_by_staff"] is False


async def test_subscription_mail_is_keyed_on_the_subscription():
    ada = contact()
    uow = FakeUnitOfWork(contacts=(ada,))
    activated = ev.subscription_activated(ada.user_id)
    (n,) = await tell(uow, notices.subscription_activated(activated))
    assert (
        n.fact == f"subscription:{activated.subscription_id}"
        and n.template is T.SUBSCRIPTION_ACTIVATED
    )
    (gone,) = await tell(
        uow,
        notices.subscription_expired(ev.subscription_expired(activated)),
        now=activated.expires_at,
    )
    assert gone.template is T.SUBSCRIPTION_EXPIRED and gone.status is S.PENDING


async def test_a_failure_rolls_back_every_row_of_the_transaction():
    ada = contact()
    uow = FakeUnitOfWork(contacts=(ada,))
    with pytest.raises(RuntimeError):
        async with uow:
            await deliver(
                as_port(uow),
                notices.payment_received(ev.order_paid(ada.user_id)),
                channels=channels(FakeEmailChannel()),
                rules=RULES,
                now=NOW,
            )
            raise RuntimeError("the database went away")
    assert uow.notifications.all() == [] and len(uow.effects) == 0


async def test_a_batch_of_notices_is_delivered_together_each_fact_once_and_bad_data_per_notice():
    ada, bob = contact(), contact("bob@example.com")
    uow = FakeUnitOfWork(contacts=(ada, bob))
    told_before = ev.order_paid(ada.user_id)
    async with uow:
        await deliver(
            as_port(uow),
            notices.payment_received(told_before),
            channels=channels(FakeEmailChannel()),
            rules=RULES,
            now=NOW,
        )
    for_bob = ev.order_paid(bob.user_id)
    same_fact = ev.order_paid(bob.user_id, order_id=for_bob.order_id)  # a new event id
    stranger = ev.order_paid(uuid.uuid4())
    batch = [told_before, for_bob, same_fact, stranger]
    async with uow:
        written = await deliver(
            as_port(uow),
            [notice for event in batch for notice in notices.payment_received(event)],
            channels=channels(FakeEmailChannel()),
            rules=RULES,
            now=NOW,
        )
    by_user = {n.user_id: n for n in written}
    assert len(written) == 2 and set(by_user) == {bob.user_id, stranger.user_id}
    assert by_user[bob.user_id].status is S.PENDING and by_user[bob.user_id].recipient == bob.email
    assert by_user[stranger.user_id].reason_code is R.UNKNOWN_USER  # recorded, the rest go on
    assert len(uow.notifications.all()) == 3
    assert len(uow.effects) == 2  # ada's first and bob's: one send per fact and recipient
