"""Every named transition of the Order aggregate from every status."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import product

import pytest

from walletreports.orders.domain.actor import SYSTEM, Actor
from walletreports.orders.domain.errors import IllegalTransition, NotOrderOwner, StaffOnlyAction
from walletreports.orders.domain.money import Currency
from walletreports.orders.domain.order import (
    AlreadyPast,
    Order,
    PaidVia,
    PaymentIssueKind,
    PaymentNeedsReview,
    PaymentReceipt,
    StatusChange,
)
from walletreports.orders.domain.state_machine import OrderEventName, OrderStatus, is_allowed

S = OrderStatus
E = OrderEventName
NOW = datetime(2026, 2, 26, 12, 30, tzinfo=UTC)
USER = uuid.UUID("00000000-0000-4000-8000-000000000001")
STAFF = Actor.staff("ops@example.com")
RECEIPT = PaymentReceipt(Currency.USDC, 25_000_000, signature="sig-1", invoice_id=uuid.uuid4())


def make_order(status: OrderStatus = S.PENDING_PAYMENT) -> Order:
    # Reconstituting an order in any status, as the service does when loading a row.
    return Order(
        id=uuid.uuid4(),
        user_id=USER,
        product="wallet_report",
        product_kind="report",
        wallet_address="0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        price_usd=Decimal("25.00"),
        created_at=NOW - timedelta(minutes=5),
        payment_due_by=NOW + timedelta(minutes=10),
        status=status,
    )


# Each named action, as the service would call it (with a staff actor where required).
ACTIONS = {
    "pay": lambda o: o.pay(receipt=RECEIPT, now=NOW),
    "cover_by_subscription": lambda o: o.cover_by_subscription(
        subscription_id=uuid.uuid4(), now=NOW
    ),
    "mark_paid_by_staff": lambda o: o.mark_paid_by_staff(
        by=STAFF, reason="paid off-chain", now=NOW
    ),
    "start_processing": lambda o: o.start_processing(now=NOW),
    "finish_completed": lambda o: o.finish(outcome=S.COMPLETED, now=NOW),
    "finish_partial": lambda o: o.finish(outcome=S.PARTIAL_COMPLETE, now=NOW),
    "finish_failed": lambda o: o.finish(outcome=S.FAILED, now=NOW),
    "expire": lambda o: o.expire(now=NOW),
    "cancel": lambda o: o.cancel(by=Actor.user(USER), reason="changed my mind", now=NOW),
    "reopen_for_retry": lambda o: o.reopen_for_retry(by=STAFF, reason="dune back up", now=NOW),
    "mark_permanently_failed": lambda o: o.mark_permanently_failed(
        by=STAFF, reason="give up", now=NOW
    ),
}

FINISH_OUTCOMES = {
    "finish_completed": S.COMPLETED,
    "finish_partial": S.PARTIAL_COMPLETE,
    "finish_failed": S.FAILED,
}
ANALYSIS_STARTED_OR_DONE = (S.PROCESSING, S.COMPLETED, S.PARTIAL_COMPLETE, S.FAILED)


def expected_outcome(action: str, status: OrderStatus) -> tuple:
    """("change", to) | ("past",) | ("illegal",) | ("review", kind), written out by hand."""
    if action == "pay":
        if status is S.PENDING_PAYMENT:
            return ("change", S.PAYMENT_RECEIVED)
        if status is S.EXPIRED:
            return ("review", PaymentIssueKind.PAID_AFTER_EXPIRY)
        if status is S.CANCELLED:
            return ("review", PaymentIssueKind.PAID_AFTER_CANCELLATION)
        return ("review", PaymentIssueKind.ALREADY_PAID)
    if action == "cover_by_subscription":
        return ("change", S.PAYMENT_RECEIVED) if status is S.PENDING_PAYMENT else ("illegal",)
    if action == "mark_paid_by_staff":
        if status in (S.PENDING_PAYMENT, S.EXPIRED):
            return ("change", S.PAYMENT_RECEIVED)
        return ("illegal",)
    if action == "start_processing":
        if status is S.PAYMENT_RECEIVED:
            return ("change", S.PROCESSING)
        if status in ANALYSIS_STARTED_OR_DONE:
            return ("past",)
        return ("illegal",)
    if action in FINISH_OUTCOMES:
        outcome = FINISH_OUTCOMES[action]
        if status in (S.PAYMENT_RECEIVED, S.PROCESSING):
            return ("change", outcome)
        if status is outcome:
            return ("past",)
        return ("illegal",)
    if action == "expire":
        return ("change", S.EXPIRED) if status is S.PENDING_PAYMENT else ("past",)
    if action == "cancel":
        if status is S.PENDING_PAYMENT:
            return ("change", S.CANCELLED)
        if status is S.CANCELLED:
            return ("past",)
        return ("illegal",)
    if action == "reopen_for_retry":
        if status in (S.FAILED, S.PARTIAL_COMPLETE):
            return ("change", S.PAYMENT_RECEIVED)
        return ("illegal",)
    if action == "mark_permanently_failed":
        if status in (S.PAYMENT_RECEIVED, S.PROCESSING):
            return ("change", S.FAILED)
        if status is S.FAILED:
            return ("past",)
        return ("illegal",)
    raise AssertionError(f"no expectation for {action}")


EXPECTED = {(a, s): expected_outcome(a, s) for a in ACTIONS for s in OrderStatus}


def snapshot(order: Order) -> dict:
    return copy.deepcopy(vars(order))


@pytest.mark.parametrize(("action", "status"), sorted(EXPECTED, key=str))
def test_named_action_from_every_status(action, status):
    order = make_order(status)
    before = snapshot(order)
    expected = EXPECTED[action, status]

    if expected[0] == "illegal":
        with pytest.raises(IllegalTransition) as excinfo:
            ACTIONS[action](order)
        assert excinfo.value.from_status == status.value
        assert snapshot(order) == before  # changes nothing
        return

    result = ACTIONS[action](order)
    if expected[0] == "change":
        assert isinstance(result, StatusChange)
        assert (result.from_status, result.to_status) == (status, expected[1])
        assert is_allowed(status, expected[1])
        assert order.status is expected[1]
        assert order.history == [result]
        assert result.at == NOW and result.order_id == order.id
        assert result.events[-1] is E.STATUS_CHANGED
    elif expected[0] == "past":
        assert isinstance(result, AlreadyPast)
        assert result.status is status
        assert snapshot(order) == before  # a no-op, and nothing to publish
    else:
        assert isinstance(result, PaymentNeedsReview)
        assert result.kind is expected[1]
        assert result.receipt == RECEIPT
        assert order.status is status  # money never moves the status by itself
        assert order.history == []
        assert order.payment_issues == [result]


@pytest.mark.parametrize(("from_status", "to_status"), list(product(OrderStatus, OrderStatus)))
def test_named_actions_cover_exactly_the_table(from_status, to_status):
    reached = {
        EXPECTED[name, from_status][1]
        for name in ACTIONS
        if EXPECTED[name, from_status][0] == "change"
    }
    assert (to_status in reached) is is_allowed(from_status, to_status)


# --- payment ---------------------------------------------------------------------


def test_pay_records_the_payment_and_announces_order_paid():
    order = make_order()
    change = order.pay(receipt=RECEIPT, now=NOW)
    assert change.events == (E.PAID, E.STATUS_CHANGED)
    assert change.actor == "system"
    assert change.reason == "payment finalized"
    assert order.paid_via is PaidVia.PAYMENT
    assert order.payment == RECEIPT
    assert order.is_paid


def test_second_payment_is_money_for_review_not_ignored():
    order = make_order()
    order.pay(receipt=RECEIPT, now=NOW)
    other = PaymentReceipt(Currency.SOL, 150_000_000, signature="sig-2")
    issue = order.pay(receipt=other, now=NOW + timedelta(minutes=1))
    assert isinstance(issue, PaymentNeedsReview)
    assert issue.kind is PaymentIssueKind.ALREADY_PAID
    assert not issue.staff_may_accept
    assert order.payment == RECEIPT  # the first payment stays the order's payment
    assert len(order.history) == 1


def test_the_same_payment_reported_again_is_already_past_not_an_issue():
    # payments reprocessing a transfer: a new event id, the same on-chain signature.
    order = make_order()
    order.pay(receipt=RECEIPT, now=NOW)
    before = snapshot(order)
    for again in (order.pay, order.note_late_payment):
        result = again(receipt=RECEIPT, now=NOW + timedelta(minutes=1))
        assert isinstance(result, AlreadyPast)
        assert result.status is S.PAYMENT_RECEIVED and "sig-1" in result.reason
        assert snapshot(order) == before  # no issue for staff to refund, no history


def test_a_payment_already_held_for_staff_is_not_held_twice():
    order = make_order()
    order.expire(now=NOW)
    issue = order.pay(receipt=RECEIPT, now=NOW)
    assert isinstance(issue, PaymentNeedsReview)
    before = snapshot(order)
    for again in (order.pay, order.note_late_payment):
        result = again(receipt=RECEIPT, now=NOW + timedelta(minutes=1))
        assert isinstance(result, AlreadyPast)
        assert snapshot(order) == before
    assert order.payment_issues == [issue]

    # Accepted by staff, it is the order's payment: reported again, still nothing.
    order.mark_paid_by_staff(by=STAFF, reason="accepted", now=NOW, receipt=issue.receipt)
    assert isinstance(order.pay(receipt=RECEIPT, now=NOW), AlreadyPast)
    assert order.payment_issues == [issue]


def test_a_late_payment_noted_for_staff_is_not_taken_when_finalized_later():
    order = make_order()
    order.note_late_payment(receipt=RECEIPT, now=NOW)
    result = order.pay(receipt=RECEIPT, now=NOW + timedelta(minutes=1))
    assert isinstance(result, AlreadyPast)
    assert order.status is S.PENDING_PAYMENT and len(order.payment_issues) == 1


def test_payments_without_a_signature_are_never_taken_for_the_same_money():
    order = make_order()
    unsigned = PaymentReceipt(Currency.USDC, 25_000_000)
    order.pay(receipt=unsigned, now=NOW)
    issue = order.pay(receipt=unsigned, now=NOW)
    assert isinstance(issue, PaymentNeedsReview) and issue.kind is PaymentIssueKind.ALREADY_PAID


def test_payment_after_expiry_is_kept_for_staff_who_may_accept_it():
    order = make_order()
    order.expire(now=NOW)
    issue = order.pay(receipt=RECEIPT, now=NOW + timedelta(minutes=2))
    assert issue.kind is PaymentIssueKind.PAID_AFTER_EXPIRY
    assert issue.staff_may_accept
    assert "mark it paid or refund" in issue.message
    assert order.status is S.EXPIRED

    change = order.mark_paid_by_staff(
        by=STAFF,
        reason="accepted late payment",
        now=NOW + timedelta(hours=1),
        receipt=issue.receipt,
    )
    assert change.from_status is S.EXPIRED and change.to_status is S.PAYMENT_RECEIVED
    assert change.actor == "staff:ops@example.com"
    assert change.events == (E.PAID, E.STATUS_CHANGED)
    assert order.paid_via is PaidVia.STAFF
    assert order.payment == RECEIPT


def test_payment_after_cancellation_must_be_refunded():
    order = make_order()
    order.cancel(by=Actor.user(USER), reason="wrong wallet", now=NOW)
    issue = order.pay(receipt=RECEIPT, now=NOW)
    assert issue.kind is PaymentIssueKind.PAID_AFTER_CANCELLATION
    assert not issue.staff_may_accept
    with pytest.raises(IllegalTransition):
        order.mark_paid_by_staff(by=STAFF, reason="accept", now=NOW)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (S.PENDING_PAYMENT, PaymentIssueKind.PAID_LATE),
        (S.EXPIRED, PaymentIssueKind.PAID_AFTER_EXPIRY),
        (S.CANCELLED, PaymentIssueKind.PAID_AFTER_CANCELLATION),
        (S.PAYMENT_RECEIVED, PaymentIssueKind.ALREADY_PAID),
        (S.COMPLETED, PaymentIssueKind.ALREADY_PAID),
    ],
)
def test_invoice_paid_late_always_goes_to_staff(status, kind):
    order = make_order(status)
    issue = order.note_late_payment(receipt=RECEIPT, now=NOW)
    assert issue.kind is kind
    assert order.status is status
    assert order.payment_issues == [issue]


def test_subscription_cover_is_recorded():
    order = make_order()
    sub_id = uuid.uuid4()
    change = order.cover_by_subscription(subscription_id=sub_id, now=NOW)
    assert change.reason == "covered by subscription"
    assert change.events == (E.PAID, E.STATUS_CHANGED)
    assert order.paid_via is PaidVia.SUBSCRIPTION
    assert order.covered_by_subscription_id == sub_id
    assert order.payment is None


# --- analysis: out of order and duplicates ------------------------------------------


def test_happy_path_history():
    order = make_order()
    order.pay(receipt=RECEIPT, now=NOW)
    order.start_processing(now=NOW + timedelta(minutes=1))
    order.finish(outcome=S.COMPLETED, now=NOW + timedelta(minutes=9))
    assert [(c.from_status, c.to_status) for c in order.history] == [
        (S.PENDING_PAYMENT, S.PAYMENT_RECEIVED),
        (S.PAYMENT_RECEIVED, S.PROCESSING),
        (S.PROCESSING, S.COMPLETED),
    ]


def test_finished_before_started_then_late_start_is_a_no_op():
    order = make_order(S.PAYMENT_RECEIVED)
    change = order.finish(outcome=S.PARTIAL_COMPLETE, now=NOW)
    assert change.from_status is S.PAYMENT_RECEIVED
    late = order.start_processing(now=NOW + timedelta(seconds=1))
    assert isinstance(late, AlreadyPast)
    assert late.requested is S.PROCESSING and late.status is S.PARTIAL_COMPLETE
    assert order.status is S.PARTIAL_COMPLETE
    assert len(order.history) == 1


def test_duplicate_events_are_no_ops():
    order = make_order(S.PAYMENT_RECEIVED)
    order.start_processing(now=NOW)
    assert isinstance(order.start_processing(now=NOW), AlreadyPast)
    order.finish(outcome=S.COMPLETED, now=NOW)
    assert isinstance(order.finish(outcome=S.COMPLETED, now=NOW), AlreadyPast)
    assert isinstance(order.expire(now=NOW), AlreadyPast)
    assert len(order.history) == 2


def test_conflicting_finish_is_illegal_and_says_how_to_retry():
    order = make_order(S.COMPLETED)
    with pytest.raises(IllegalTransition, match="re-open it for a retry first"):
        order.finish(outcome=S.FAILED, now=NOW)


def test_finish_needs_a_finished_status():
    with pytest.raises(ValueError, match="not a finished status"):
        make_order(S.PROCESSING).finish(outcome=S.PROCESSING, now=NOW)


def test_unpaid_order_cannot_be_processed():
    with pytest.raises(IllegalTransition, match="the order is not paid"):
        make_order().start_processing(now=NOW)


def test_retry_cycle():
    order = make_order(S.PROCESSING)
    order.finish(outcome=S.FAILED, now=NOW)
    change = order.reopen_for_retry(by=STAFF, reason="rate limit passed", now=NOW)
    assert change.events == (E.STATUS_CHANGED,)  # not a second order.paid
    assert change.actor == "staff:ops@example.com"
    order.start_processing(now=NOW)
    order.finish(outcome=S.COMPLETED, now=NOW)
    assert order.status is S.COMPLETED


# --- cancel, expire, staff-only ---------------------------------------------------


def test_cancel_a_paid_order_is_refused_with_the_reason():
    with pytest.raises(IllegalTransition, match="staff refund paid orders"):
        make_order(S.PAYMENT_RECEIVED).cancel(by=STAFF, reason="user asked", now=NOW)


def test_cancel_by_staff_and_system_is_recorded():
    order = make_order()
    change = order.cancel(by=STAFF, reason="duplicate order", now=NOW)
    assert change.actor == "staff:ops@example.com"
    assert change.events == (E.CANCELLED, E.STATUS_CHANGED)
    assert make_order().cancel(by=SYSTEM, reason="intake paused", now=NOW).actor == "system"


def test_a_user_cannot_cancel_someone_elses_order():
    order = make_order()
    with pytest.raises(NotOrderOwner):
        order.cancel(by=Actor.user(uuid.uuid4()), reason="x", now=NOW)
    assert order.status is S.PENDING_PAYMENT


def test_expire_announces_order_expired():
    change = make_order().expire(now=NOW)
    assert change.events == (E.EXPIRED, E.STATUS_CHANGED)
    assert change.reason == "payment window closed"


@pytest.mark.parametrize(
    "call",
    [
        lambda o, by: o.mark_paid_by_staff(by=by, reason="r", now=NOW),
        lambda o, by: o.reopen_for_retry(by=by, reason="r", now=NOW),
        lambda o, by: o.mark_permanently_failed(by=by, reason="r", now=NOW),
    ],
)
@pytest.mark.parametrize("actor", [SYSTEM, Actor.user(USER)])
def test_staff_actions_refuse_others(call, actor):
    order = make_order(S.FAILED)
    with pytest.raises(StaffOnlyAction) as excinfo:
        call(order, actor)
    assert excinfo.value.code == "staff_only"
    assert order.status is S.FAILED and order.history == []


def test_staff_actions_need_a_reason():
    with pytest.raises(ValueError, match="needs a reason"):
        make_order().mark_paid_by_staff(by=STAFF, reason="  ", now=NOW)


def test_now_must_be_timezone_aware():
    order = make_order()
    with pytest.raises(ValueError, match="timezone-aware"):
        order.expire(now=datetime(2026, 2, 26, 12, 30))
    assert order.status is S.PENDING_PAYMENT


def test_payment_overdue():
    order = make_order()
    assert not order.is_payment_overdue(order.payment_due_by - timedelta(seconds=1))
    assert order.is_payment_overdue(order.payment_due_by)
    order.expire(now=order.payment_due_by)
    assert not order.is_payment_overdue(order.payment_due_by)


def test_actor_strings():
    assert str(SYSTEM) == "system"
    assert str(Actor.staff("a@b.c")) == "staff:a@b.c"
    assert str(Actor.user(USER)) == f"user:{USER}"
    with pytest.raises(ValueError):
        Actor.staff("")


def test_receipt_refuses_floats_and_negatives():
    with pytest.raises(TypeError):
        PaymentReceipt(Currency.SOL, 0.5)
    with pytest.raises(ValueError):
        PaymentReceipt(Currency.SOL, -1)
