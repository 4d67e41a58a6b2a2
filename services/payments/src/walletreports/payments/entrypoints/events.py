"""Events payments consumes. Each handler runs inside the inbox's transaction: a
redelivered event has no second effect, and the use cases are idempotent per order
besides (a second order.created under a new event id opens nothing).

A domain refusal is permanent (recorded, acknowledged); infrastructure failures are
retried with back-off: the kit's one error policy.
"""

from __future__ import annotations

import logging
from typing import Any

from walletreports.contracts.dune_runner import AnalysisFinished
from walletreports.contracts.orders import OrderCancelled, OrderCreated
from walletreports.kit import Clock, EventHandlers

from ..adapters.rate_sources import QuoteBoard
from ..adapters.unit_of_work import PaymentsUnitOfWork
from ..domain.quote_policy import QuoteUsable
from ..service_layer import invoicing, refunding
from ..service_layer.terms import InvoiceTerms

log = logging.getLogger(__name__)

handlers = EventHandlers("payments")


@handlers.on(OrderCreated)
async def open_invoice(
    event: OrderCreated,
    uow: PaymentsUnitOfWork,
    clock: Clock,
    terms: InvoiceTerms,
    sol_quotes: QuoteBoard,
) -> None:
    # The quote as of now, from the board (no network call inside this transaction).
    decision = sol_quotes.decision()
    sol: dict[str, Any] = {}
    if isinstance(decision, QuoteUsable):
        sol["sol_quote"] = decision.quote
    elif decision is not None:
        sol["sol_unavailable_reason"] = decision.reason.value
        log.warning("SOL not offered for order %s: %s", event.order_id, decision.detail)
    await invoicing.open_for_order(
        uow,
        order_id=event.order_id,
        user_id=event.user_id,
        price_usd=event.price_usd,
        payment_required=event.payment_required,
        description=event.description,
        now=clock.now(),
        terms=terms,
        **sol,
    )


@handlers.on(OrderCancelled)
async def close_cancelled_invoice(
    event: OrderCancelled, uow: PaymentsUnitOfWork, clock: Clock
) -> None:
    await invoicing.close_for_cancelled_order(uow, order_id=event.order_id, now=clock.now())


@handlers.on(AnalysisFinished)
async def refund_failed_analysis(
    event: AnalysisFinished, uow: PaymentsUnitOfWork, clock: Clock, terms: InvoiceTerms
) -> None:
    # "failed": no report at all, for good (orders fails the order); the payer is refunded.
    if event.outcome != "failed":
        return
    await refunding.for_failed_analysis(
        uow, order_id=event.order_id, now=clock.now(), label=terms.label
    )
