"""Events dune_runner consumes. Each handler runs inside the inbox's transaction: a
redelivered event has no second effect, and the use cases are idempotent per order
besides (a second order.paid under a new event id finds the run and does nothing).

A domain refusal (a wallet that is not an EVM address) is permanent (recorded,
acknowledged); infrastructure failures are retried with back-off: the kit's one error
policy. Consumer names are pinned in tests/test_consumer_names.py.
"""

from __future__ import annotations

from walletreports.contracts.orders import OrderPaid, OrderStatusChanged
from walletreports.kit import Clock, EventHandlers

from ..adapters.unit_of_work import DuneRunnerUnitOfWork
from ..domain import ReportSpec
from ..service_layer import analysis

handlers = EventHandlers("dune_runner")


@handlers.on(OrderPaid)
async def start_analysis(
    event: OrderPaid,
    uow: DuneRunnerUnitOfWork,
    clock: Clock,
    reports: tuple[ReportSpec, ...],
) -> None:
    await analysis.start_for_paid_order(
        uow,
        order_id=event.order_id,
        user_id=event.user_id,
        product=event.product,
        wallet_address=event.wallet_address,
        reports=reports,
        now=clock.now(),
    )


@handlers.on(OrderStatusChanged)
async def rerun_reopened_order(
    event: OrderStatusChanged, uow: DuneRunnerUnitOfWork, clock: Clock
) -> None:
    # Every status change of every order comes here; only staff re-opening a finished
    # order (failed / partial_complete -> payment_received) re-runs its failed queries.
    await analysis.order_status_changed(
        uow,
        order_id=event.order_id,
        from_status=event.from_status,
        to_status=event.to_status,
        reason=event.reason,
        now=clock.now(),
    )
