"""Events payments consumes. Each handler runs inside the inbox's transaction: a
redelivered event has no second effect, and the use cases are idempotent per order
besides (a second order.created under a new event id opens nothing).

A domain refusal is permanent (recorded, acknowledged); infrastructure failures are
retried with back-off: the kit's one error policy.
"""

from __future__ import annotations

from walletreports.contracts.orders import OrderCancelled, OrderCreated
from walletreports.kit import Clock, EventHandlers

from ..adapters.unit_of_work import PaymentsUnitOfWork
from ..service_layer import invoicing
from ..service_layer.terms import InvoiceTerms

handlers = EventHandlers("payments")


@handlers.on(OrderCreated)
async def open_invoice(
    event: OrderCreated, uow: PaymentsUnitOfWork, clock: Clock, terms: InvoiceTerms
) -> None:
    # No rate source yet: SOL is withdrawn (invoicing.NO_RATE_SOURCE); the quote goes here.
    await invoicing.open_for_order(
        uow,
        order_id=event.order_id,
        price_usd=event.price_usd,
        payment_required=event.payment_required,
        description=event.description,
        now=clock.now(),
        terms=terms,
    )


@handlers.on(OrderCancelled)
async def close_cancelled_invoice(
    event: OrderCancelled, uow: PaymentsUnitOfWork, clock: Clock
) -> None:
    await invoicing.close_for_cancelled_order(uow, order_id=event.order_id, now=clock.now())
