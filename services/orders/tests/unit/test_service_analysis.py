"""analysis.* against the fake unit of work: what dune_runner reports about a paid order."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest

from walletreports.contracts.orders import OrderStatusChanged
from walletreports.orders.domain import AlreadyPast, Catalog, IllegalTransition, OrderStatus
from walletreports.orders.service_layer import analysis
from walletreports.orders.service_layer.errors import OrderNotFound

from .fakes import Load
from .given import report_order, unit_of_work

S = OrderStatus


async def test_a_started_analysis_puts_the_order_in_processing(
    catalog: Catalog, user_id: uuid.UUID, now: datetime
):
    order = report_order(catalog, user_id=user_id, now=now, status=S.PAYMENT_RECEIVED)
    uow = unit_of_work(order)

    await analysis.analysis_started(uow, order_id=order.id, now=now)

    assert uow.orders.stored(order.id).status is S.PROCESSING
    assert uow.orders.loads == [Load(order.id, lock=True)]
    assert uow.subjects == ["orders.order.status_changed.v1"]
    [changed] = uow.emitted(OrderStatusChanged)
    assert (changed.order_id, changed.from_status, changed.to_status) == (
        order.id,
        "payment_received",
        "processing",
    )


async def test_a_start_arriving_after_the_finish_is_already_past(
    catalog: Catalog, user_id: uuid.UUID, now: datetime
):
    order = report_order(catalog, user_id=user_id, now=now, status=S.COMPLETED)
    uow = unit_of_work(order)

    outcome = await analysis.analysis_started(uow, order_id=order.id, now=now)

    assert isinstance(outcome, AlreadyPast) and outcome.status is S.COMPLETED
    assert uow.orders.stored(order.id).status is S.COMPLETED
    assert uow.orders.saves == [] and uow.events == []


async def test_an_unpaid_order_cannot_start(catalog: Catalog, user_id: uuid.UUID, now: datetime):
    order = report_order(catalog, user_id=user_id, now=now)
    uow = unit_of_work(order)

    with pytest.raises(IllegalTransition):
        await analysis.analysis_started(uow, order_id=order.id, now=now)

    assert uow.orders.stored(order.id).status is S.PENDING_PAYMENT
    assert uow.orders.saves == [] and uow.events == []


async def test_a_partial_finish_names_the_failed_queries(
    catalog: Catalog, user_id: uuid.UUID, now: datetime
):
    order = report_order(catalog, user_id=user_id, now=now, status=S.PROCESSING)
    uow = unit_of_work(order)

    await analysis.analysis_finished(
        uow, order_id=order.id, outcome="partial", failed_queries=["q_swaps", "q_nfts"], now=now
    )

    stored = uow.orders.stored(order.id)
    assert stored.status is S.PARTIAL_COMPLETE
    reason = "analysis finished: partial (failed queries: q_swaps, q_nfts)"
    assert stored.history[-1].reason == reason
    [changed] = uow.emitted(OrderStatusChanged)
    assert (changed.to_status, changed.reason) == ("partial_complete", reason)


async def test_a_finish_may_overtake_the_start(catalog: Catalog, user_id: uuid.UUID, now: datetime):
    order = report_order(catalog, user_id=user_id, now=now, status=S.PAYMENT_RECEIVED)
    uow = unit_of_work(order)

    await analysis.analysis_finished(
        uow, order_id=order.id, outcome="completed", failed_queries=[], now=now
    )

    assert uow.orders.stored(order.id).status is S.COMPLETED
    [changed] = uow.emitted(OrderStatusChanged)
    assert changed.reason == "analysis finished: completed"


async def test_a_redelivered_finish_is_already_past(
    catalog: Catalog, user_id: uuid.UUID, now: datetime
):
    order = report_order(catalog, user_id=user_id, now=now, status=S.FAILED)
    uow = unit_of_work(order)

    outcome = await analysis.analysis_finished(
        uow, order_id=order.id, outcome="failed", failed_queries=[], now=now
    )

    assert isinstance(outcome, AlreadyPast)
    assert uow.orders.saves == [] and uow.events == []


async def test_an_unknown_outcome_is_refused_before_the_order_is_touched(
    catalog: Catalog, user_id: uuid.UUID, now: datetime
):
    order = report_order(catalog, user_id=user_id, now=now, status=S.PROCESSING)
    uow = unit_of_work(order)

    with pytest.raises(ValueError, match="unknown analysis outcome"):
        await analysis.analysis_finished(
            uow, order_id=order.id, outcome="mostly", failed_queries=[], now=now
        )

    assert uow.orders.loads == [] and uow.events == []


async def test_analysis_of_an_unknown_order_is_refused(now: datetime):
    uow = unit_of_work()
    with pytest.raises(OrderNotFound):
        await analysis.analysis_started(uow, order_id=uuid.uuid4(), now=now)
    with pytest.raises(OrderNotFound):
        await analysis.analysis_finished(
            uow, order_id=uuid.uuid4(), outcome="completed", failed_queries=[], now=now
        )
    assert uow.events == []
