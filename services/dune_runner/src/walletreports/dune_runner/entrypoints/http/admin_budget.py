"""The staff console's credits and intake (/admin/api/ledger, /budget, /intake): what
Dune executions cost per day, the daily and weekly budget used and the thresholds
announced, and whether new work is sent to Dune (pausing / resuming: admin_actions)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query

from walletreports.kit import InternalAuth, Now, error_responses

from ...domain import BudgetPeriod, period_window
from .dependencies import Budget, DuneRunnerUnits
from .presenters import intake_view
from .responses import Budget as BudgetAnswer
from .responses import BudgetPeriodUse, CreditsDay, Intake, Ledger
from .schemas import start_of

router = APIRouter(prefix="/admin/api", tags=["admin: credits"], dependencies=[InternalAuth])


@router.get(
    "/ledger",
    summary="Credits per day",
    description="Credits of the Dune executions that ended on each of the last `days` UTC"
    " days (today included), oldest first, and their totals.",
    responses=error_responses(422, described={422: "Does not match this schema."}),
)
async def ledger(
    units: DuneRunnerUnits,
    now: Now,
    days: Annotated[int, Query(ge=1, le=366, description="days, today included")] = 30,
) -> Ledger:
    end = start_of(now.date()) + timedelta(days=1)
    start = end - timedelta(days=days)
    async with units() as uow:
        found = {d.day: d for d in await uow.views.credits_by_day(start, end)}
    by_day = []
    for n in range(days):
        day = (start + timedelta(days=n)).date()
        hit = found.get(day)
        by_day.append(
            CreditsDay(
                day=day,
                credits=Decimal(0) if hit is None else hit.credits,
                executions=0 if hit is None else hit.executions,
            )
        )
    return Ledger(
        days=days,
        start=start,
        end=end,
        total_credits=sum((d.credits for d in by_day), Decimal(0)),
        total_executions=sum(d.executions for d in by_day),
        by_day=by_day,
    )


@router.get("/budget", summary="Daily and weekly credits used against the budget")
async def budget(units: DuneRunnerUnits, limits: Budget, now: Now) -> BudgetAnswer:
    periods = []
    async with units() as uow:
        for period in BudgetPeriod:
            start, end = period_window(period, now)
            used = await uow.ledger.used_between(start, end)
            limit: Decimal | None = getattr(limits, period.value)
            periods.append(
                BudgetPeriodUse(
                    period=period,
                    start=start,
                    end=end,
                    used=used,
                    budget=limit,
                    used_percent=None if limit is None else round(used * 100 / limit, 2),
                    thresholds=list(limits.thresholds),
                    announced=sorted(await uow.alerts.announced(period, start)),
                )
            )
        intake = await uow.intake.get()
    return BudgetAnswer(periods=periods, intake=intake_view(intake))


@router.get("/intake", summary="Whether new work is sent to Dune, and why not")
async def intake(units: DuneRunnerUnits) -> Intake:
    async with units() as uow:
        return intake_view(await uow.intake.get())
