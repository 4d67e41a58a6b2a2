"""staff.* against the fake unit of work: the admin console's actions on one order."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest

from walletreports.contracts.orders import (
    OrderCancelled,
    OrderPaid,
    OrderStatusChanged,
    SubscriptionActivated,
)
from walletreports.orders.domain import (
    AlreadyPast,
    Catalog,
    IllegalTransition,
    Order,
    OrderStatus,
    PaidVia,
    PaymentNeedsReview,
    StatusChange,
)
from walletreports.orders.service_layer import staff
from walletreports.orders.service_layer.changes import Outcome
from walletreports.orders.service_layer.errors import OrderNotFound, UnknownPaymentIssue

from .fakes import FakeUnitOfWork, Load
from .given import STAFF, STAFF_EMAIL, plan_order, receipt, report_order, unit_of_work

S = OrderStatus
REASON = "payment seen on Solscan, accepted"

# The staff actions that are one transition (`staff.act`), by the name the console uses.
ACTIONS: dict[str, staff.Transition] = {
    "cancel": Order.cancel,
    "reopen": Order.reopen_for_retry,
    "mark_failed": Order.mark_permanently_failed,
}


async def _act(name: str, uow: FakeUnitOfWork, order_id: uuid.UUID, now: datetime) -> Outcome:
    return await staff.act(
        uow,
        transition=ACTIONS[name],
        order_id=order_id,
        staff_email=STAFF_EMAIL,
        reason="ops decision",
        now=now,
    )


async def _mark_paid(
    uow: FakeUnitOfWork, order_id: uuid.UUID, now: datetime, issue_id: int | None = None
) -> Outcome:
    return await staff.mark_paid(
        uow,
        order_id=order_id,
        staff_email=STAFF_EMAIL,
        reason=REASON,
        payment_issue_id=issue_id,
        now=now,
    )


def _with_issue(order: Order, signature: str, now: datetime) -> PaymentNeedsReview:
    issue = order.pay(receipt=receipt(signature), now=now)
    assert isinstance(issue, PaymentNeedsReview)
    return issue


# --- mark paid ----------------------------------------------------------------------


async def test_staff_accept_a_late_payment_as_the_orders_own(
    catalog: Catalog, user_id: uuid.UUID, now: datetime
):
    order = report_order(catalog, user_id=user_id, now=now, status=S.EXPIRED)
    late = _with_issue(order, "sig-late", now)
    uow = unit_of_work(order)
    [stored_issue] = uow.orders.stored(order.id).payment_issues
    assert stored_issue.id is not None

    outcome = await _mark_paid(uow, order.id, now, issue_id=stored_issue.id)

    assert isinstance(outcome, StatusChange) and outcome.to_status is S.PAYMENT_RECEIVED
    stored = uow.orders.stored(order.id)
    assert (stored.status, stored.paid_via, stored.payment) == (
        S.PAYMENT_RECEIVED,
        PaidVia.STAFF,
        late.receipt,
    )
    assert (stored.history[-1].actor, stored.history[-1].reason) == (STAFF, REASON)
    assert uow.orders.loads == [Load(order.id, lock=True)]  # the issue came with the order
    assert uow.subjects == ["orders.order.paid.v1", "orders.order.status_changed.v1"]
    [paid] = uow.emitted(OrderPaid)
    assert paid.paid_via == "staff" and paid.order_id == order.id
    [changed] = uow.emitted(OrderStatusChanged)
    assert (changed.from_status, changed.to_status, changed.reason) == (
        "expired",
        "payment_received",
        REASON,
    )


async def test_staff_mark_an_unpaid_order_paid_without_a_payment(
    catalog: Catalog, user_id: uuid.UUID, now: datetime
):
    order = report_order(catalog, user_id=user_id, now=now)
    uow = unit_of_work(order)

    await _mark_paid(uow, order.id, now)

    stored = uow.orders.stored(order.id)
    assert (stored.status, stored.paid_via, stored.payment) == (
        S.PAYMENT_RECEIVED,
        PaidVia.STAFF,
        None,
    )
    assert uow.subjects == ["orders.order.paid.v1", "orders.order.status_changed.v1"]


async def test_an_issue_id_the_order_does_not_have_is_refused(
    catalog: Catalog, user_id: uuid.UUID, now: datetime
):
    order = report_order(catalog, user_id=user_id, now=now, status=S.EXPIRED)
    other = report_order(catalog, user_id=user_id, now=now, status=S.EXPIRED)
    _with_issue(order, "sig-mine", now)
    _with_issue(other, "sig-theirs", now)
    uow = unit_of_work(order, other)
    [theirs] = uow.orders.stored(other.id).payment_issues
    assert theirs.id is not None

    for issue_id in (theirs.id, 999):
        with pytest.raises(UnknownPaymentIssue):
            await _mark_paid(uow, order.id, now, issue_id=issue_id)

    assert uow.orders.stored(order.id).status is S.EXPIRED
    assert uow.orders.saves == [] and uow.events == []


async def test_a_cancelled_order_cannot_be_marked_paid(
    catalog: Catalog, user_id: uuid.UUID, now: datetime
):
    order = report_order(catalog, user_id=user_id, now=now, status=S.CANCELLED)
    uow = unit_of_work(order)

    with pytest.raises(IllegalTransition):
        await _mark_paid(uow, order.id, now)

    assert uow.orders.stored(order.id).status is S.CANCELLED
    assert uow.orders.saves == [] and uow.events == []


async def test_marking_a_plan_order_paid_activates_the_plan(
    catalog: Catalog, user_id: uuid.UUID, now: datetime
):
    order = plan_order(catalog, user_id=user_id, now=now)
    uow = unit_of_work(order)

    await _mark_paid(uow, order.id, now)

    assert uow.orders.stored(order.id).status is S.COMPLETED
    [sub] = uow.subscriptions.of_user(user_id)
    [activated] = uow.emitted(SubscriptionActivated)
    assert activated.subscription_id == sub.id and activated.plan == "subscription_monthly"
    assert uow.orders.loads == [Load(order.id, lock=True)]


# --- cancel, re-open, give up -------------------------------------------------------


async def test_staff_cancel_an_unpaid_order(catalog: Catalog, user_id: uuid.UUID, now: datetime):
    order = report_order(catalog, user_id=user_id, now=now)
    uow = unit_of_work(order)

    await _act("cancel", uow, order.id, now)

    stored = uow.orders.stored(order.id)
    assert stored.status is S.CANCELLED and stored.history[-1].actor == STAFF
    assert uow.subjects == ["orders.order.cancelled.v1", "orders.order.status_changed.v1"]
    [cancelled] = uow.emitted(OrderCancelled)
    assert (cancelled.order_id, cancelled.reason) == (order.id, "ops decision")


async def test_staff_reopen_a_failed_order_without_announcing_a_payment(
    catalog: Catalog, user_id: uuid.UUID, now: datetime
):
    order = report_order(catalog, user_id=user_id, now=now, status=S.FAILED)
    uow = unit_of_work(order)

    await _act("reopen", uow, order.id, now)

    assert uow.orders.stored(order.id).status is S.PAYMENT_RECEIVED
    assert uow.subjects == ["orders.order.status_changed.v1"]  # no second order.paid
    [changed] = uow.emitted(OrderStatusChanged)
    assert (changed.from_status, changed.to_status) == ("failed", "payment_received")


async def test_staff_give_up_on_a_paid_order(catalog: Catalog, user_id: uuid.UUID, now: datetime):
    order = report_order(catalog, user_id=user_id, now=now, status=S.PROCESSING)
    uow = unit_of_work(order)

    await _act("mark_failed", uow, order.id, now)

    stored = uow.orders.stored(order.id)
    assert stored.status is S.FAILED and stored.history[-1].actor == STAFF
    [changed] = uow.emitted(OrderStatusChanged)
    assert (changed.from_status, changed.to_status) == ("processing", "failed")


@pytest.mark.parametrize(("action", "status"), [("cancel", S.CANCELLED), ("mark_failed", S.FAILED)])
async def test_doing_it_twice_is_already_past(
    catalog: Catalog, user_id: uuid.UUID, now: datetime, action: str, status: OrderStatus
):
    order = report_order(catalog, user_id=user_id, now=now, status=status)
    uow = unit_of_work(order)

    outcome = await _act(action, uow, order.id, now)

    assert isinstance(outcome, AlreadyPast)
    assert uow.orders.saves == [] and uow.events == []


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("cancel", S.PAYMENT_RECEIVED),  # paid orders are refunded, not cancelled
        ("reopen", S.COMPLETED),
        ("mark_failed", S.PENDING_PAYMENT),
    ],
)
async def test_an_action_the_status_does_not_allow_is_refused(
    catalog: Catalog, user_id: uuid.UUID, now: datetime, action: str, status: OrderStatus
):
    order = report_order(catalog, user_id=user_id, now=now, status=status)
    uow = unit_of_work(order)

    with pytest.raises(IllegalTransition):
        await _act(action, uow, order.id, now)

    assert uow.orders.stored(order.id).status is status
    assert uow.orders.saves == [] and uow.events == []


@pytest.mark.parametrize("action", [*ACTIONS, "mark_paid"])
async def test_staff_act_only_on_orders_that_exist(action: str, now: datetime):
    uow = unit_of_work()
    with pytest.raises(OrderNotFound):
        if action == "mark_paid":
            await _mark_paid(uow, uuid.uuid4(), now)
        else:
            await _act(action, uow, uuid.uuid4(), now)
    assert uow.events == []
