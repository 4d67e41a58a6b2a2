"""Cost protection: the credit ledger, daily and weekly budgets with alert thresholds, and
the intake switch.

- Ledger: one entry per Dune execution, written when the execution ends (completed,
  failed, or given up on at its deadline), with Dune's `execution_cost_credits` as a
  Decimal (0 when Dune reported none). The execution id is its key: an execution is
  never counted twice.
- Budgets: credits per UTC day and per ISO week (Monday 00:00 UTC); either may be unset.
  Each threshold (per cent of the budget, 50 / 80 / 100 by default; 100 is always one)
  is announced once per period (`budget.threshold_reached`), when the credits used in
  the period first reach it. Reaching 100 % pauses intake.
- Intake: paused by the 100 % threshold, by Dune answering 402 (out of credits), or by
  staff; resumed only by staff (never by itself at a period's turn: a person decides
  that spending may go on). A staff resume within a period whose 100 % was already
  announced is staff overriding the budget; it is not paused again in that period by
  the budget (a 402 still pauses it).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from .errors import InvalidStaffAction
from .job import SYSTEM

__all__ = [
    "PAUSE_THRESHOLD",
    "BudgetPeriod",
    "CreditBudget",
    "Intake",
    "IntakeChange",
    "LedgerEntry",
    "ThresholdReached",
    "period_window",
    "thresholds_reached",
]

PAUSE_THRESHOLD = 100


class BudgetPeriod(StrEnum):
    """Values match `BudgetThresholdReached.period` in the contracts."""

    DAILY = "daily"
    WEEKLY = "weekly"


def period_window(period: BudgetPeriod, now: datetime) -> tuple[datetime, datetime]:
    """[start, end) of the period `now` is in, in UTC."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if period is BudgetPeriod.DAILY:
        return day, day + timedelta(days=1)
    start = day - timedelta(days=day.weekday())  # Monday
    return start, start + timedelta(days=7)


def _positive_credits(value: Decimal, what: str) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
        raise ValueError(f"{what} must be a positive number of credits, got {value!r}")
    return value


@dataclass(frozen=True)
class CreditBudget:
    daily: Decimal | None = None
    weekly: Decimal | None = None
    thresholds: tuple[int, ...] = (50, 80, 100)

    def __post_init__(self) -> None:
        for what, value in (("the daily budget", self.daily), ("the weekly budget", self.weekly)):
            if value is not None:
                _positive_credits(value, what)
        for threshold in self.thresholds:
            if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold <= 0:
                raise ValueError(f"a budget threshold is a positive per cent, got {threshold!r}")
        # Sorted, unique, and 100 always among them: reaching the budget pauses intake.
        object.__setattr__(self, "thresholds", tuple(sorted({*self.thresholds, PAUSE_THRESHOLD})))

    def limits(self) -> list[tuple[BudgetPeriod, Decimal]]:
        limits = [(BudgetPeriod.DAILY, self.daily), (BudgetPeriod.WEEKLY, self.weekly)]
        return [(period, limit) for period, limit in limits if limit is not None]


def thresholds_reached(
    *, used: Decimal, budget: Decimal, thresholds: Iterable[int], already: Iterable[int]
) -> list[int]:
    """The thresholds `used` has reached in its period that were not announced yet,
    lowest first (a jump from 40 % to 120 % announces 50, 80 and 100)."""
    announced = set(already)
    return sorted(t for t in set(thresholds) if t not in announced and used * 100 >= budget * t)


@dataclass(frozen=True, slots=True)
class ThresholdReached:
    period: BudgetPeriod
    period_start: datetime
    threshold: int
    used: Decimal
    budget: Decimal
    at: datetime

    @property
    def pauses_intake(self) -> bool:
        return self.threshold >= PAUSE_THRESHOLD


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """The credits one execution cost, for budgets and for cost audits."""

    execution_id: str
    job_id: uuid.UUID
    order_id: uuid.UUID
    query_name: str
    credits: Decimal
    # completed | failed | timed_out: how the execution ended for us.
    outcome: str
    recorded_at: datetime
    # False when Dune reported no cost (credits is then 0).
    cost_reported: bool = True

    def __post_init__(self) -> None:
        if not self.credits.is_finite() or self.credits < 0:
            raise ValueError(f"credits must be a non-negative amount, got {self.credits!r}")

    @classmethod
    def of(
        cls,
        *,
        execution_id: str,
        job_id: uuid.UUID,
        order_id: uuid.UUID,
        query_name: str,
        credits: Decimal | None,
        outcome: str,
        now: datetime,
    ) -> LedgerEntry:
        return cls(
            execution_id=execution_id,
            job_id=job_id,
            order_id=order_id,
            query_name=query_name,
            credits=Decimal(0) if credits is None else credits,
            outcome=outcome,
            recorded_at=now,
            cost_reported=credits is not None,
        )


@dataclass(frozen=True, slots=True)
class IntakeChange:
    paused: bool
    reason: str
    by: str
    at: datetime


@dataclass
class Intake:
    """Whether new work goes to Dune. Paused, nothing is executed: new runs are recorded
    and wait, retried jobs wait, an execute not yet sent is held back."""

    paused: bool = False
    reason: str = ""
    changed_at: datetime | None = None
    changed_by: str = SYSTEM

    def pause(self, *, reason: str, by: str, now: datetime) -> IntakeChange | None:
        """None when it was paused already (the first reason stands)."""
        if self.paused:
            return None
        return self._set(True, reason, by, now)

    def resume(self, *, reason: str, by: str, now: datetime) -> IntakeChange | None:
        """None when it was not paused."""
        if not self.paused:
            return None
        return self._set(False, reason, by, now)

    def _set(self, paused: bool, reason: str, by: str, now: datetime) -> IntakeChange:
        if not reason or not reason.strip():
            raise InvalidStaffAction("pausing or resuming intake needs a reason", field="reason")
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        self.paused, self.reason, self.changed_at, self.changed_by = paused, reason.strip(), now, by
        return IntakeChange(paused=paused, reason=self.reason, by=by, at=now)
