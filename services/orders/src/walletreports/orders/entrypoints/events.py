"""Events orders consumes. Each handler runs inside the inbox's transaction: a
redelivered event has no second effect.

A domain refusal (an illegal transition, an unknown order) is permanent: the kit
records and acknowledges it (its one error policy); infrastructure failures are
retried with back-off.
"""

from __future__ import annotations

from walletreports.contracts.dune_runner import (
    AnalysisFinished,
    AnalysisStarted,
    IntakePaused,
    IntakeResumed,
)
from walletreports.contracts.payments import (
    InvoiceExpired,
    InvoiceMarkedInvalid,
    InvoiceMarkedSettled,
    InvoicePaidLate,
    PaymentFinalized,
)
from walletreports.kit import Clock, EventHandlers

from ..adapters.unit_of_work import OrdersUnitOfWork
from ..domain import Currency, PaymentReceipt
from ..service_layer import analysis, intake, invoice_decisions, payments

handlers = EventHandlers("orders")


def _receipt(event: PaymentFinalized | InvoicePaidLate) -> PaymentReceipt:
    return PaymentReceipt(
        currency=Currency(event.currency),
        amount_base_units=event.amount_base_units,
        signature=event.signature,
        invoice_id=event.invoice_id,
    )


@handlers.on(PaymentFinalized)
async def mark_payment_received(
    event: PaymentFinalized, uow: OrdersUnitOfWork, clock: Clock
) -> None:
    await payments.payment_finalized(
        uow, order_id=event.order_id, receipt=_receipt(event), now=clock.now()
    )


@handlers.on(InvoicePaidLate)
async def note_late_payment(event: InvoicePaidLate, uow: OrdersUnitOfWork, clock: Clock) -> None:
    await payments.paid_late(uow, order_id=event.order_id, receipt=_receipt(event), now=clock.now())


@handlers.on(InvoiceExpired)
async def expire_unpaid_order(event: InvoiceExpired, uow: OrdersUnitOfWork, clock: Clock) -> None:
    await payments.invoice_expired(uow, order_id=event.order_id, now=clock.now())


@handlers.on(InvoiceMarkedSettled)
async def mark_paid_by_staff(
    event: InvoiceMarkedSettled, uow: OrdersUnitOfWork, clock: Clock
) -> None:
    await invoice_decisions.invoice_marked_settled(
        uow,
        order_id=event.order_id,
        invoice_id=event.invoice_id,
        by=event.by,
        note=event.note,
        now=clock.now(),
    )


@handlers.on(InvoiceMarkedInvalid)
async def expire_order_of_invalid_invoice(
    event: InvoiceMarkedInvalid, uow: OrdersUnitOfWork, clock: Clock
) -> None:
    await invoice_decisions.invoice_marked_invalid(
        uow, order_id=event.order_id, by=event.by, note=event.note, now=clock.now()
    )


@handlers.on(AnalysisStarted)
async def start_processing(event: AnalysisStarted, uow: OrdersUnitOfWork, clock: Clock) -> None:
    await analysis.analysis_started(uow, order_id=event.order_id, now=clock.now())


@handlers.on(AnalysisFinished)
async def finish_order(event: AnalysisFinished, uow: OrdersUnitOfWork, clock: Clock) -> None:
    await analysis.analysis_finished(
        uow,
        order_id=event.order_id,
        outcome=event.outcome,
        failed_queries=event.failed_queries,
        now=clock.now(),
    )


@handlers.on(IntakePaused)
async def pause_intake(event: IntakePaused, uow: OrdersUnitOfWork) -> None:
    await intake.set_paused(uow, paused=True, reason=event.reason, as_of=event.occurred_at)


@handlers.on(IntakeResumed)
async def resume_intake(event: IntakeResumed, uow: OrdersUnitOfWork) -> None:
    await intake.set_paused(uow, paused=False, reason=event.reason, as_of=event.occurred_at)
