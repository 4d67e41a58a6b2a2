"""Budgets (pure): periods, thresholds once each, the intake switch."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from walletreports.contracts import dune_runner as contract
from walletreports.dune_runner.domain import (
    BudgetPeriod,
    CreditBudget,
    Intake,
    InvalidStaffAction,
    LedgerEntry,
    period_window,
    thresholds_reached,
)

WEDNESDAY = datetime(2026, 3, 4, 17, 30, tzinfo=UTC)


def test_periods_match_the_contract() -> None:
    assert {p.value for p in BudgetPeriod} == set(
        contract.BudgetThresholdReached.model_fields["period"].annotation.__args__  # type: ignore[union-attr]
    )


def test_a_day_is_a_utc_day_and_a_week_starts_on_monday() -> None:
    day = period_window(BudgetPeriod.DAILY, WEDNESDAY)
    week = period_window(BudgetPeriod.WEEKLY, WEDNESDAY)
    assert day == (datetime(2026, 3, 4, tzinfo=UTC), datetime(2026, 3, 5, tzinfo=UTC))
    assert week == (datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 9, tzinfo=UTC))


def test_thresholds_are_reached_once_and_lowest_first() -> None:
    budget = Decimal("100")
    assert (
        thresholds_reached(
            used=Decimal("49.99"), budget=budget, thresholds=(50, 80, 100), already=()
        )
        == []
    )
    assert thresholds_reached(
        used=Decimal("50"), budget=budget, thresholds=(50, 80, 100), already=()
    ) == [50]
    assert thresholds_reached(
        used=Decimal("120"), budget=budget, thresholds=(100, 50, 80), already={50}
    ) == [80, 100]


def test_100_percent_is_always_a_threshold() -> None:
    assert CreditBudget(daily=Decimal(10), thresholds=(75,)).thresholds == (75, 100)


@pytest.mark.parametrize(
    "bad",
    [
        {"daily": Decimal(0)},
        {"weekly": Decimal(-1)},
        {"daily": Decimal("NaN")},
        {"thresholds": (0,)},
        {"thresholds": (True,)},
    ],
)
def test_a_senseless_budget_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        CreditBudget(**bad)  # type: ignore[arg-type]


def test_a_ledger_entry_of_unknown_cost_is_zero_and_says_so() -> None:
    entry = LedgerEntry.of(
        execution_id="01E",
        job_id=uuid.uuid4(),
        order_id=uuid.uuid4(),
        query_name="transfers",
        credits=None,
        outcome="timed_out",
        now=WEDNESDAY,
    )
    assert entry.credits == 0 and not entry.cost_reported
    with pytest.raises(ValueError):
        LedgerEntry.of(
            execution_id="01E",
            job_id=entry.job_id,
            order_id=entry.order_id,
            query_name="x",
            credits=Decimal(-1),
            outcome="completed",
            now=WEDNESDAY,
        )


def test_intake_pauses_and_resumes_once_each() -> None:
    intake = Intake()
    change = intake.pause(reason="daily budget", by="system", now=WEDNESDAY)
    assert change is not None and intake.paused and intake.reason == "daily budget"
    assert intake.pause(reason="again", by="system", now=WEDNESDAY) is None
    assert intake.reason == "daily budget"  # the first reason stands
    later = WEDNESDAY + timedelta(hours=1)
    assert intake.resume(reason="topped up", by="staff:ada@example.com", now=later) is not None
    assert not intake.paused and intake.changed_by == "staff:ada@example.com"
    assert intake.resume(reason="again", by="staff:x", now=later) is None
    with pytest.raises(InvalidStaffAction):
        intake.pause(reason=" ", by="staff:x", now=later)
