"""Staff actions from the admin console; each is recorded with the staff member's email.

Two use cases: `act` for the actions that are one transition of the order, and
`mark_paid`, which may also take a late payment as the order's and start a plan."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

from ..domain import Actor, Order, StatusChange
from . import changes
from .changes import Outcome
from .errors import UnknownPaymentIssue
from .loading import locked_order
from .ports import OrdersUnitOfWorkPort
from .subscriptions import fulfil_if_plan


class Transition(Protocol):
    """A named transition of the order that staff ask for by itself: `Order.cancel`
    (unpaid orders only), `Order.reopen_for_retry` (failed or partially complete, back to
    payment_received for a retry), `Order.mark_permanently_failed` (the seed's "mark as
    permanent failure": give up on a paid order, refunded through payments)."""

    def __call__(self, order: Order, /, *, by: Actor, reason: str, now: datetime) -> Outcome: ...


async def act(
    uow: OrdersUnitOfWorkPort,
    *,
    transition: Transition,
    order_id: uuid.UUID,
    staff_email: str,
    reason: str,
    now: datetime,
) -> Outcome:
    """A staff action that is one transition and nothing more: the order is locked, moved
    by `transition` in the staff member's name, and the change recorded."""
    order = await locked_order(uow, order_id)
    outcome = transition(order, by=Actor.staff(staff_email), reason=reason, now=now)
    return await changes.record(uow, order, outcome, now=now)


async def mark_paid(
    uow: OrdersUnitOfWorkPort,
    *,
    order_id: uuid.UUID,
    staff_email: str,
    reason: str,
    payment_issue_id: int | None,
    now: datetime,
) -> Outcome:
    """Staff override. With `payment_issue_id`, staff accept that late payment: it becomes
    the order's payment and counts in the user's billing."""
    order = await locked_order(uow, order_id)
    receipt = None
    if payment_issue_id is not None:
        issue = order.payment_issue(payment_issue_id)  # loaded with the order
        if issue is None:
            raise UnknownPaymentIssue(payment_issue_id, order_id)
        receipt = issue.receipt
    outcome = order.mark_paid_by_staff(
        by=Actor.staff(staff_email), reason=reason, now=now, receipt=receipt
    )
    await changes.record(uow, order, outcome, now=now)
    if isinstance(outcome, StatusChange):
        await fulfil_if_plan(uow, order, now=now)
    return outcome
