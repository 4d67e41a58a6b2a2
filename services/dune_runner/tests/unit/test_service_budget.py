"""Cost protection through the service: a ledger entry per execution, thresholds once per
period and threshold, 100 % or a 402 pauses intake, staff pause and resume."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from walletreports.contracts.dune_runner import (
    AnalysisStarted,
    BudgetThresholdReached,
    IntakePaused,
    IntakeResumed,
)
from walletreports.dune_runner.domain import (
    BudgetPeriod,
    CreditBudget,
    JobStatus,
    LedgerEntry,
)
from walletreports.dune_runner.service_layer import analysis, budget

from .fakes import FakeDune, FakeStore, FakeUnitOfWork
from .given import (
    NAMES,
    NOW,
    STAFF,
    accepted,
    execution_id,
    later,
    order_paid,
    poll,
    status,
)

DAILY_100 = CreditBudget(daily=Decimal("100"), thresholds=(50, 80, 100))


def entry(credits: str, *, now: datetime = NOW, execution: str | None = None) -> LedgerEntry:
    return LedgerEntry.of(
        execution_id=execution or f"01E-{uuid.uuid4()}",
        job_id=uuid.uuid4(),
        order_id=uuid.uuid4(),
        query_name="transfers",
        credits=Decimal(credits),
        outcome="completed",
        now=now,
    )


async def charge(
    uow: FakeUnitOfWork,
    credits: str,
    *,
    now: datetime = NOW,
    execution: str | None = None,
    limits: CreditBudget = DAILY_100,
) -> list[int]:
    async with uow:
        reached = await budget.record_execution_cost(
            uow, entry=entry(credits, now=now, execution=execution), budget=limits, now=now
        )
    return [r.threshold for r in reached]


async def test_each_execution_gets_one_ledger_entry_and_is_counted_once() -> None:
    uow = FakeUnitOfWork()
    assert await charge(uow, "60", execution="01X") == [50]
    assert await charge(uow, "60", execution="01X") == []  # the same execution again
    assert list(uow.ledger.entries) == ["01X"]
    assert await uow.ledger.used_between(NOW, NOW + timedelta(days=1)) == Decimal("60")


async def test_thresholds_are_announced_once_per_period_and_threshold() -> None:
    uow = FakeUnitOfWork()
    assert await charge(uow, "30") == []
    assert await charge(uow, "25") == [50]
    assert await charge(uow, "1") == []
    assert await charge(uow, "60") == [80, 100]  # 116 %: both at once, lowest first
    assert await charge(uow, "30") == []  # beyond 100 %, nothing new this day
    events = uow.emitted(BudgetThresholdReached)
    assert [(e.period, e.threshold_percent, e.credits_used, e.credits_budget) for e in events] == [
        ("daily", 50, Decimal("55"), Decimal("100")),
        ("daily", 80, Decimal("116"), Decimal("100")),
        ("daily", 100, Decimal("116"), Decimal("100")),
    ]
    assert len(uow.emitted(IntakePaused)) == 1
    tomorrow = NOW + timedelta(days=1)
    assert await charge(uow, "50", now=tomorrow) == [50]  # a new day, a new period


async def test_reaching_100_percent_pauses_intake_with_the_reason() -> None:
    uow = FakeUnitOfWork()
    await charge(uow, "100")
    assert uow.intake.row.paused
    (paused,) = uow.emitted(IntakePaused)
    assert paused.reason == uow.intake.row.reason
    assert "daily credit budget reached: 100 of 100 credits" in paused.reason


async def test_weekly_and_daily_budgets_are_counted_apart() -> None:
    uow = FakeUnitOfWork()
    limits = CreditBudget(daily=Decimal("100"), weekly=Decimal("200"))
    await charge(uow, "60", limits=limits)  # Monday
    await charge(uow, "60", now=NOW + timedelta(days=1), limits=limits)  # Tuesday
    events = uow.emitted(BudgetThresholdReached)
    assert [(e.period, e.threshold_percent) for e in events] == [
        ("daily", 50),
        ("daily", 50),
        ("weekly", 50),
    ]
    assert {a.period for a in uow.alerts.rows} == {BudgetPeriod.DAILY, BudgetPeriod.WEEKLY}


async def test_budget_checks_hold_the_intake_row() -> None:
    uow = FakeUnitOfWork()
    await charge(uow, "1")
    assert uow.intake.locks == 1


async def test_completed_executions_charge_the_budget_through_polling() -> None:
    uow = FakeUnitOfWork()
    await order_paid(uow)
    dune = FakeDune()
    for name in NAMES:
        await accepted(uow, name)
        dune.script(execution_id(name), status(name, "QUERY_STATE_COMPLETED", cost="40"))
    await poll(uow, dune, FakeStore(), now=later(2), budget=DAILY_100)
    assert sum(e.credits for e in uow.ledger.entries.values()) == Decimal("120")
    assert [e.threshold_percent for e in uow.emitted(BudgetThresholdReached)] == [50, 80, 100]
    assert uow.intake.row.paused


async def test_staff_pause_and_resume_by_hand_each_once() -> None:
    uow = FakeUnitOfWork()
    async with uow:
        assert await budget.pause_by_staff(
            uow, staff_email=STAFF, reason="Dune maintenance", now=NOW
        )
        assert not await budget.pause_by_staff(uow, staff_email=STAFF, reason="again", now=NOW)
    assert uow.intake.row.changed_by == f"staff:{STAFF}"
    async with uow:
        assert await budget.resume_by_staff(uow, staff_email=STAFF, reason="done", now=later(60))
        assert not await budget.resume_by_staff(
            uow, staff_email=STAFF, reason="again", now=later(61)
        )
    assert [e.reason for e in uow.emitted(IntakePaused)] == ["Dune maintenance"]
    assert [e.reason for e in uow.emitted(IntakeResumed)] == ["done"]


async def test_a_paid_order_during_a_pause_waits_and_runs_after_the_resume() -> None:
    uow = FakeUnitOfWork()
    async with uow:
        await budget.pause_by_staff(uow, staff_email=STAFF, reason="budget", now=NOW)
    run = await order_paid(uow)
    assert {j.status for j in uow.jobs.of(run.id)} == {JobStatus.WAITING}
    assert uow.effects.rows == {} and uow.emitted(AnalysisStarted) == []
    async with uow:
        await budget.resume_by_staff(uow, staff_email=STAFF, reason="ok", now=later(60))
    async with uow:
        await analysis.release_waiting(uow, now=later(61))
    assert len(uow.effects.rows) == len(NAMES)
    assert len(uow.emitted(AnalysisStarted)) == 1
