"""What payments tells us: money final on chain, money late, an invoice expired."""

from __future__ import annotations

import uuid
from datetime import datetime

from ..domain import PaymentReceipt, StatusChange
from . import changes
from .changes import Outcome
from .loading import locked_order
from .ports import OrdersUnitOfWorkPort
from .subscriptions import fulfil_if_plan


async def payment_finalized(
    uow: OrdersUnitOfWorkPort, *, order_id: uuid.UUID, receipt: PaymentReceipt, now: datetime
) -> Outcome:
    """payment_received (then order.paid); money the order cannot take goes to staff."""
    order = await locked_order(uow, order_id)
    outcome = await changes.record(uow, order, order.pay(receipt=receipt, now=now), now=now)
    if isinstance(outcome, StatusChange):
        await fulfil_if_plan(uow, order, now=now)
    return outcome


async def paid_late(
    uow: OrdersUnitOfWorkPort, *, order_id: uuid.UUID, receipt: PaymentReceipt, now: datetime
) -> Outcome:
    order = await locked_order(uow, order_id)
    return await changes.record(
        uow, order, order.note_late_payment(receipt=receipt, now=now), now=now
    )


async def invoice_expired(
    uow: OrdersUnitOfWorkPort, *, order_id: uuid.UUID, now: datetime
) -> Outcome:
    order = await locked_order(uow, order_id)
    return await changes.record(
        uow, order, order.expire(now=now, reason="invoice expired"), now=now
    )
