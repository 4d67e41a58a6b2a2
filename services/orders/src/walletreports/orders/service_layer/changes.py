"""Persisting what a domain transition returned, and publishing what it says to."""

from __future__ import annotations

import logging
from datetime import datetime

from ..domain import AlreadyPast, Order, PaymentNeedsReview, StatusChange
from . import messages
from .ports import OrdersUnitOfWorkPort

log = logging.getLogger(__name__)

Outcome = StatusChange | AlreadyPast | PaymentNeedsReview


async def record(
    uow: OrdersUnitOfWorkPort, order: Order, outcome: Outcome, *, now: datetime
) -> Outcome:
    """Save the order and put the change's events in the outbox, in the caller's transaction.

    AlreadyPast (a late or repeated event) saves nothing and publishes nothing; a payment
    the order could not take is saved as an issue for staff, with no event.
    """
    if isinstance(outcome, AlreadyPast):
        log.info(
            "order %s already %s; %s ignored (%s)",
            order.id,
            outcome.status,
            outcome.requested,
            outcome.reason,
        )
        return outcome
    await uow.orders.save(order, now=now)
    if isinstance(outcome, PaymentNeedsReview):
        log.warning(
            "order %s (%s): %s %s needs staff review: %s",
            order.id,
            order.status,
            outcome.receipt.amount_base_units,
            outcome.receipt.currency,
            outcome.message,
        )
        return outcome
    await uow.emit(*messages.for_change(order, outcome))
    return outcome
