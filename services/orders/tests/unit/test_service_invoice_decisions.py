"""invoice_decisions.* against the fake unit of work: staff settling or rejecting an
order's invoice in payments' console."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest

from walletreports.contracts.orders import OrderExpired, OrderPaid, SubscriptionActivated
from walletreports.orders.domain import (
    AlreadyPast,
    Catalog,
    Currency,
    IllegalTransition,
    OrderStatus,
    PaidVia,
    PaymentNeedsReview,
    PaymentReceipt,
    StatusChange,
)
from walletreports.orders.service_layer import invoice_decisions
from walletreports.orders.service_layer.errors import OrderNotFound

from .fakes import FakeUnitOfWork, Load
from .given import STAFF, plan_order, report_order, unit_of_work

S = OrderStatus
INVOICE = uuid.UUID("00000000-0000-4000-8000-00000000000a")
NOTE = "paid by bank transfer, checked by finance"


async def _settled(uow: FakeUnitOfWork, order_id: uuid.UUID, now: datetime) -> object:
    return await invoice_decisions.invoice_marked_settled(
        uow, order_id=order_id, invoice_id=INVOICE, by=STAFF, note=NOTE, now=now
    )


async def _invalid(uow: FakeUnitOfWork, order_id: uuid.UUID, now: datetime) -> object:
    return await invoice_decisions.invoice_marked_invalid(
        uow, order_id=order_id, by=STAFF, note=NOTE, now=now
    )


def _late(signature: str, invoice_id: uuid.UUID = INVOICE) -> PaymentReceipt:
    return PaymentReceipt(Currency.USDT, 25_000_000, signature=signature, invoice_id=invoice_id)


# --- marked settled -----------------------------------------------------------------


@pytest.mark.parametrize("status", [S.PENDING_PAYMENT, S.EXPIRED])
async def test_a_settled_invoice_pays_the_order_by_staff(
    catalog: Catalog, user_id: uuid.UUID, now: datetime, status: OrderStatus
):
    order = report_order(catalog, user_id=user_id, now=now, status=status)
    uow = unit_of_work(order)

    outcome = await _settled(uow, order.id, now)

    assert isinstance(outcome, StatusChange) and outcome.to_status is S.PAYMENT_RECEIVED
    stored = uow.orders.stored(order.id)
    assert (stored.status, stored.paid_via, stored.payment) == (
        S.PAYMENT_RECEIVED,
        PaidVia.STAFF,
        None,
    )
    entry = stored.history[-1]
    assert entry.actor == STAFF and NOTE in entry.reason
    assert uow.orders.loads == [Load(order.id, lock=True)]
    assert uow.subjects == ["orders.order.paid.v1", "orders.order.status_changed.v1"]
    [paid] = uow.emitted(OrderPaid)
    assert (paid.order_id, paid.paid_via) == (order.id, "staff")


async def test_the_late_payment_staff_took_becomes_the_orders_payment(
    catalog: Catalog, user_id: uuid.UUID, now: datetime
):
    order = report_order(catalog, user_id=user_id, now=now, status=S.EXPIRED)
    issue = order.note_late_payment(receipt=_late("sig-late"), now=now)
    other = order.note_late_payment(receipt=_late("sig-other", uuid.uuid4()), now=now)
    assert isinstance(issue, PaymentNeedsReview) and isinstance(other, PaymentNeedsReview)
    uow = unit_of_work(order)

    await _settled(uow, order.id, now)

    assert uow.orders.stored(order.id).payment == _late("sig-late")


async def test_several_payments_from_the_invoice_leave_the_money_to_staff(
    catalog: Catalog, user_id: uuid.UUID, now: datetime
):
    order = report_order(catalog, user_id=user_id, now=now, status=S.EXPIRED)
    for signature in ("sig-a", "sig-b"):
        order.note_late_payment(receipt=_late(signature), now=now)
    uow = unit_of_work(order)

    await _settled(uow, order.id, now)

    stored = uow.orders.stored(order.id)
    assert (stored.status, stored.payment) == (S.PAYMENT_RECEIVED, None)


async def test_a_settled_plan_invoice_starts_the_subscription(
    catalog: Catalog, user_id: uuid.UUID, now: datetime
):
    order = plan_order(catalog, user_id=user_id, now=now)
    uow = unit_of_work(order)

    await _settled(uow, order.id, now)

    [sub] = uow.subscriptions.of_user(user_id)
    assert uow.emitted(SubscriptionActivated)[0].subscription_id == sub.id
    assert uow.orders.stored(order.id).status is S.COMPLETED


@pytest.mark.parametrize("status", [S.PAYMENT_RECEIVED, S.PROCESSING, S.COMPLETED, S.FAILED])
async def test_an_order_already_paid_is_already_past(
    catalog: Catalog, user_id: uuid.UUID, now: datetime, status: OrderStatus
):
    order = report_order(catalog, user_id=user_id, now=now, status=status)
    uow = unit_of_work(order)

    outcome = await _settled(uow, order.id, now)

    assert isinstance(outcome, AlreadyPast) and outcome.status is status
    assert uow.orders.saves == [] and uow.events == []
    assert uow.orders.stored(order.id).paid_via is PaidVia.PAYMENT


async def test_settled_twice_pays_once(catalog: Catalog, user_id: uuid.UUID, now: datetime):
    order = report_order(catalog, user_id=user_id, now=now)
    uow = unit_of_work(order)
    await _settled(uow, order.id, now)

    again = await _settled(uow, order.id, now)

    assert isinstance(again, AlreadyPast)
    assert uow.subjects == ["orders.order.paid.v1", "orders.order.status_changed.v1"]


async def test_a_cancelled_order_refuses_as_staffs_own_mark_paid_does(
    catalog: Catalog, user_id: uuid.UUID, now: datetime
):
    order = report_order(catalog, user_id=user_id, now=now, status=S.CANCELLED)
    uow = unit_of_work(order)

    with pytest.raises(IllegalTransition):
        await _settled(uow, order.id, now)

    assert uow.orders.saves == [] and uow.events == []


# --- marked invalid -----------------------------------------------------------------


async def test_an_invalid_invoice_expires_the_order(
    catalog: Catalog, user_id: uuid.UUID, now: datetime
):
    order = report_order(catalog, user_id=user_id, now=now)
    uow = unit_of_work(order)

    outcome = await _invalid(uow, order.id, now)

    assert isinstance(outcome, StatusChange) and outcome.to_status is S.EXPIRED
    entry = uow.orders.stored(order.id).history[-1]
    assert STAFF in entry.reason and NOTE in entry.reason
    assert uow.subjects == ["orders.order.expired.v1", "orders.order.status_changed.v1"]
    assert uow.emitted(OrderExpired)[0].order_id == order.id


@pytest.mark.parametrize("status", [S.EXPIRED, S.CANCELLED, S.PAYMENT_RECEIVED, S.COMPLETED])
async def test_an_order_not_awaiting_payment_is_already_past(
    catalog: Catalog, user_id: uuid.UUID, now: datetime, status: OrderStatus
):
    order = report_order(catalog, user_id=user_id, now=now, status=status)
    uow = unit_of_work(order)

    outcome = await _invalid(uow, order.id, now)

    assert isinstance(outcome, AlreadyPast)
    assert uow.orders.stored(order.id).status is status
    assert uow.orders.saves == [] and uow.events == []


@pytest.mark.parametrize("decide", [_settled, _invalid], ids=["settled", "invalid"])
async def test_an_unknown_order_is_refused(decide, now: datetime):
    uow = unit_of_work()
    missing = uuid.uuid4()

    with pytest.raises(OrderNotFound) as refused:
        await decide(uow, missing, now)

    assert refused.value.order_id == missing
    assert uow.events == []


def test_the_staff_member_is_named_by_email() -> None:
    assert str(invoice_decisions.staff_member(STAFF)) == STAFF
    assert str(invoice_decisions.staff_member("ops@example.com")) == "staff:ops@example.com"
