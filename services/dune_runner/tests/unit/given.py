"""The world the service-layer tests start from, in the service's own words: a paid order,
an execute Dune accepted or refused, a status Dune reports."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from walletreports.dune_runner.domain import (
    CreditBudget,
    ExecuteRequest,
    ExecutionStatus,
    HttpRefusal,
    JobChange,
    NoAnswer,
    PollSchedule,
    ReportSpec,
    Stale,
    accepted_result,
    failure,
    refusal_reason,
)
from walletreports.dune_runner.service_layer import analysis, executing, polling

from .fakes import FakeDune, FakeStore, FakeUnitOfWork, FakeUnits

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
ORDER_ID = uuid.UUID("00000000-0000-4000-8000-00000000000a")
USER_ID = uuid.UUID("00000000-0000-4000-8000-000000000001")
WALLET = "0x52908400098527886E0F7030069857D2E4169EE7"
STAFF = "ada@example.com"

REPORTS = (
    ReportSpec(name="defi_trades", query_id=101, output_file="defi_trades.csv"),
    ReportSpec(name="lp_events", query_id=102, output_file="lp_events.csv"),
    ReportSpec(
        name="transfers",
        query_id=103,
        output_file="transfers.csv",
        parameters={"min_usd": "0"},
    ),
)
NAMES = [r.name for r in REPORTS]

SCHEDULE = PollSchedule(
    first_interval=timedelta(seconds=2),
    factor=2.0,
    max_interval=timedelta(seconds=30),
    deadline=timedelta(minutes=10),
    claim_for=timedelta(minutes=2),
)
BUDGET = CreditBudget(daily=Decimal("100"), weekly=Decimal("500"))
NO_BUDGET = CreditBudget()


async def order_paid(
    uow: FakeUnitOfWork,
    *,
    order_id: uuid.UUID = ORDER_ID,
    wallet: str | None = WALLET,
    now: datetime = NOW,
    reports: tuple[ReportSpec, ...] = REPORTS,
) -> Any:
    async with uow:
        return await analysis.start_for_paid_order(
            uow,
            order_id=order_id,
            user_id=USER_ID,
            product="wallet_report",
            wallet_address=wallet,
            reports=reports,
            now=now,
        )


def execute_of(uow: FakeUnitOfWork, query_name: str, attempt: int | None = None) -> ExecuteRequest:
    """The execute requested for the report (its latest attempt unless named)."""
    requests = [r for r in uow.effects.executes() if r.query_name == query_name]
    if attempt is not None:
        requests = [r for r in requests if r.attempt == attempt]
    return max(requests, key=lambda r: r.attempt)


def execution_id(query_name: str, attempt: int = 1) -> str:
    return f"01EXEC-{query_name}-{attempt}"


async def accepted(
    uow: FakeUnitOfWork, query_name: str, *, now: datetime = NOW, attempt: int | None = None
) -> JobChange | Stale:
    """on_done: Dune accepted the report's execute."""
    request = execute_of(uow, query_name, attempt)
    async with uow:
        return await executing.execution_accepted(
            uow,
            request=request,
            result=accepted_result(
                execution_id(query_name, request.attempt), "QUERY_STATE_PENDING"
            ),
            now=now,
            schedule=SCHEDULE,
        )


async def all_accepted(uow: FakeUnitOfWork, *, now: datetime = NOW) -> None:
    for name in NAMES:
        await accepted(uow, name, now=now)


async def refused(
    uow: FakeUnitOfWork, query_name: str, problem: HttpRefusal | NoAnswer, *, now: datetime = NOW
) -> JobChange | Stale:
    """on_failed: the performer raised EffectRefused(refusal_reason(failure(problem)))."""
    request = execute_of(uow, query_name)
    reason = f"refused: EffectRefused: {refusal_reason(failure(problem))}"
    return await effect_failed(uow, request, "failed", reason, now=now)


async def effect_failed(
    uow: FakeUnitOfWork, request: ExecuteRequest, status: str, reason: str, *, now: datetime = NOW
) -> JobChange | Stale:
    async with uow:
        return await executing.execute_failed(
            uow, request=request, status=status, reason=reason, now=now
        )


def status(
    query_name: str,
    state: str,
    *,
    attempt: int = 1,
    cost: str | None = "1.5",
    rows: int | None = 2,
    error_type: str | None = None,
    error_message: str | None = None,
) -> ExecutionStatus:
    return ExecutionStatus(
        execution_id=execution_id(query_name, attempt),
        state=state,
        error_type=error_type,
        error_message=error_message,
        cost_credits=None if cost is None else Decimal(cost),
        row_count=rows,
    )


async def poll(
    uow: FakeUnitOfWork,
    dune: FakeDune,
    store: FakeStore,
    *,
    now: datetime,
    budget: CreditBudget = NO_BUDGET,
) -> polling.PollReport:
    return await polling.poll_executing(
        FakeUnits(uow), dune=dune, store=store, now=now, schedule=SCHEDULE, budget=budget
    )


def later(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)
