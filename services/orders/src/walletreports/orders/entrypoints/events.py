"""Events orders consumes. Each handler runs inside the inbox's transaction: a
redelivered event has no second effect.

A domain refusal (an illegal transition, an unknown order) is permanent: the same event
would be refused again on every redelivery. It is logged and the event acknowledged;
only infrastructure failures raise, so the kit retries them.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

from walletreports.contracts import Event
from walletreports.contracts.dune_runner import (
    AnalysisFinished,
    AnalysisStarted,
    IntakePaused,
    IntakeResumed,
)
from walletreports.contracts.payments import InvoiceExpired, InvoicePaidLate, PaymentFinalized
from walletreports.kit.messaging.consumers import EventHandlers
from walletreports.kit.messaging.unit_of_work import UnitOfWork

from ..domain import Currency, DomainError, PaymentReceipt
from ..service_layer import analysis, intake, payments
from ..service_layer.errors import OrderNotFound

log = logging.getLogger(__name__)

handlers = EventHandlers("orders")

E = TypeVar("E", bound=Event)


def _now() -> datetime:
    return datetime.now(UTC)


def permanent_refusals_acked(
    handler: Callable[[E, UnitOfWork], Awaitable[None]],
) -> Callable[[E, UnitOfWork], Awaitable[None]]:
    @functools.wraps(handler)
    async def wrapper(event: E, uow: UnitOfWork) -> None:
        try:
            # A savepoint, so a refusal part-way through keeps none of its writes while
            # the inbox claim around it still commits.
            async with uow.session.begin_nested():
                await handler(event, uow)
        except (DomainError, OrderNotFound) as exc:
            code = getattr(exc, "code", type(exc).__name__)
            log.error(
                "%s %s refused for good (%s: %s); acknowledged, not retried",
                event.subject,
                event.event_id,
                code,
                getattr(exc, "message", str(exc)),
            )

    return wrapper


def _receipt(event: PaymentFinalized | InvoicePaidLate) -> PaymentReceipt:
    return PaymentReceipt(
        currency=Currency(event.currency),
        amount_base_units=event.amount_base_units,
        signature=event.signature,
        invoice_id=event.invoice_id,
    )


@handlers.on(PaymentFinalized)
@permanent_refusals_acked
async def mark_payment_received(event: PaymentFinalized, uow: UnitOfWork) -> None:
    await payments.payment_finalized(
        uow, order_id=event.order_id, receipt=_receipt(event), now=_now()
    )


@handlers.on(InvoicePaidLate)
@permanent_refusals_acked
async def note_late_payment(event: InvoicePaidLate, uow: UnitOfWork) -> None:
    await payments.paid_late(uow, order_id=event.order_id, receipt=_receipt(event), now=_now())


@handlers.on(InvoiceExpired)
@permanent_refusals_acked
async def expire_unpaid_order(event: InvoiceExpired, uow: UnitOfWork) -> None:
    await payments.invoice_expired(uow, order_id=event.order_id, now=_now())


@handlers.on(AnalysisStarted)
@permanent_refusals_acked
async def start_processing(event: AnalysisStarted, uow: UnitOfWork) -> None:
    await analysis.analysis_started(uow, order_id=event.order_id, now=_now())


@handlers.on(AnalysisFinished)
@permanent_refusals_acked
async def finish_order(event: AnalysisFinished, uow: UnitOfWork) -> None:
    await analysis.analysis_finished(
        uow,
        order_id=event.order_id,
        outcome=event.outcome,
        failed_queries=event.failed_queries,
        now=_now(),
    )


@handlers.on(IntakePaused)
async def pause_intake(event: IntakePaused, uow: UnitOfWork) -> None:
    await intake.set_paused(uow, paused=True, reason=event.reason, as_of=event.occurred_at)


@handlers.on(IntakeResumed)
async def resume_intake(event: IntakeResumed, uow: UnitOfWork) -> None:
    await intake.set_paused(uow, paused=False, reason=event.reason, as_of=event.occurred_at)
