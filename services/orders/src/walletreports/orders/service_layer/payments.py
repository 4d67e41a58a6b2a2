"""What payments tells us: money final on chain, money late, an invoice expired."""

from __future__ import annotations

import uuid
from datetime import datetime

from walletreports.kit.messaging.unit_of_work import UnitOfWork

from ..domain import PaymentReceipt, StatusChange
from . import changes
from .changes import Outcome
from .loading import locked_order
from .subscriptions import fulfil_if_plan


async def payment_finalized(
    uow: UnitOfWork, *, order_id: uuid.UUID, receipt: PaymentReceipt, now: datetime
) -> Outcome:
    """payment_received (then order.paid); money the order cannot take goes to staff."""
    repo, order = await locked_order(uow, order_id)
    outcome = await changes.record(uow, repo, order, order.pay(receipt=receipt, now=now), now=now)
    if isinstance(outcome, StatusChange):
        await fulfil_if_plan(uow, repo, order, now=now)
    return outcome


async def paid_late(
    uow: UnitOfWork, *, order_id: uuid.UUID, receipt: PaymentReceipt, now: datetime
) -> Outcome:
    repo, order = await locked_order(uow, order_id)
    return await changes.record(
        uow, repo, order, order.note_late_payment(receipt=receipt, now=now), now=now
    )


async def invoice_expired(uow: UnitOfWork, *, order_id: uuid.UUID, now: datetime) -> Outcome:
    repo, order = await locked_order(uow, order_id)
    return await changes.record(
        uow, repo, order, order.expire(now=now, reason="invoice expired"), now=now
    )
