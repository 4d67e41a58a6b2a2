"""What staff decided about an order's invoice in payments' console, as orders takes it.

- `invoice.marked_settled`: the order counts as paid by staff, as with orders' own
  staff mark-paid (`paid_via="staff"`, recorded in the staff member's name; a plan order
  starts its subscription). When the order holds exactly one payment from this invoice
  that staff may accept (a late payment payments told us about), that is the money
  staff took: it becomes the order's payment, so billing counts it. An order already
  paid (or past it) is `AlreadyPast`, not an error; a cancelled order refuses, as
  staff's own mark-paid does (payments refuses to settle a cancelled order's invoice,
  so only a race gets here, and the refusal is recorded for staff).
- `invoice.marked_invalid`: no payment will settle the invoice, so the order expires as
  with `invoice.expired`; an order no longer awaiting payment is `AlreadyPast`.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from ..domain import Actor, AlreadyPast, Order, OrderStatus, PaymentReceipt, StatusChange
from . import changes
from .changes import Outcome
from .loading import locked_order
from .ports import OrdersUnitOfWorkPort
from .subscriptions import fulfil_if_plan

STAFF_PREFIX = "staff:"


def staff_member(by: str) -> Actor:
    """The staff member an event names as `by` ("staff:<email>")."""
    return Actor.staff(by.removeprefix(STAFF_PREFIX))


def _taken_payment(order: Order, invoice_id: uuid.UUID) -> PaymentReceipt | None:
    acceptable = [
        issue.receipt
        for issue in order.payment_issues
        if issue.receipt.invoice_id == invoice_id and issue.staff_may_accept
    ]
    return acceptable[0] if len(acceptable) == 1 else None


async def invoice_marked_settled(
    uow: OrdersUnitOfWorkPort,
    *,
    order_id: uuid.UUID,
    invoice_id: uuid.UUID,
    by: str,
    note: str,
    now: datetime,
) -> Outcome:
    order = await locked_order(uow, order_id)
    if order.is_paid:
        return AlreadyPast(
            order_id=order.id,
            status=order.status,
            requested=OrderStatus.PAYMENT_RECEIVED,
            reason=f"already paid via {order.paid_via or 'unknown'}",
        )
    outcome = order.mark_paid_by_staff(
        by=staff_member(by),
        reason=f"invoice marked settled in payments: {note}",
        now=now,
        receipt=_taken_payment(order, invoice_id),
    )
    await changes.record(uow, order, outcome, now=now)
    if isinstance(outcome, StatusChange):
        await fulfil_if_plan(uow, order, now=now)
    return outcome


async def invoice_marked_invalid(
    uow: OrdersUnitOfWorkPort, *, order_id: uuid.UUID, by: str, note: str, now: datetime
) -> Outcome:
    order = await locked_order(uow, order_id)
    reason = f"invoice marked invalid in payments by {by}: {note}"
    return await changes.record(uow, order, order.expire(now=now, reason=reason), now=now)
