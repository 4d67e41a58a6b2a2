"""Staff actions from the admin console; each is recorded with the staff member's email."""

from __future__ import annotations

import uuid
from datetime import datetime

from walletreports.kit.messaging.unit_of_work import UnitOfWork

from ..domain import Actor, StatusChange
from . import changes
from .changes import Outcome
from .errors import UnknownPaymentIssue
from .loading import locked_order
from .subscriptions import fulfil_if_plan


async def cancel(
    uow: UnitOfWork, *, order_id: uuid.UUID, staff_email: str, reason: str, now: datetime
) -> Outcome:
    repo, order = await locked_order(uow, order_id)
    outcome = order.cancel(by=Actor.staff(staff_email), reason=reason, now=now)
    return await changes.record(uow, repo, order, outcome, now=now)


async def mark_paid(
    uow: UnitOfWork,
    *,
    order_id: uuid.UUID,
    staff_email: str,
    reason: str,
    payment_issue_id: int | None,
    now: datetime,
) -> Outcome:
    """Staff override. With `payment_issue_id`, staff accept that late payment: it becomes
    the order's payment and counts in the user's billing."""
    repo, order = await locked_order(uow, order_id)
    receipt = None
    if payment_issue_id is not None:
        issue = repo.payment_issue(order, payment_issue_id)  # loaded with the order
        if issue is None:
            raise UnknownPaymentIssue(payment_issue_id, order_id)
        receipt = issue.receipt
    outcome = order.mark_paid_by_staff(
        by=Actor.staff(staff_email), reason=reason, now=now, receipt=receipt
    )
    await changes.record(uow, repo, order, outcome, now=now)
    if isinstance(outcome, StatusChange):
        await fulfil_if_plan(uow, repo, order, now=now)
    return outcome


async def reopen(
    uow: UnitOfWork, *, order_id: uuid.UUID, staff_email: str, reason: str, now: datetime
) -> Outcome:
    repo, order = await locked_order(uow, order_id)
    outcome = order.reopen_for_retry(by=Actor.staff(staff_email), reason=reason, now=now)
    return await changes.record(uow, repo, order, outcome, now=now)


async def mark_failed(
    uow: UnitOfWork, *, order_id: uuid.UUID, staff_email: str, reason: str, now: datetime
) -> Outcome:
    """The seed's "mark as permanent failure": staff give up on a paid order (and refund
    it through payments)."""
    repo, order = await locked_order(uow, order_id)
    outcome = order.mark_permanently_failed(by=Actor.staff(staff_email), reason=reason, now=now)
    return await changes.record(uow, repo, order, outcome, now=now)
