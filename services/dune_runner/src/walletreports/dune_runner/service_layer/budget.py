"""Credits and intake: the ledger entry of each execution, the budget thresholds it
reaches, and pausing / resuming intake (by the budget, by a 402 from Dune, by staff).

Resuming does not send the waiting work itself: `analysis.release_waiting` does, in its
own transaction (the entrypoint calls it right after a resume, and a background task
calls it periodically), so resuming never waits on a run's lock.
"""

from __future__ import annotations

import logging
from datetime import datetime

from ..domain import (
    SYSTEM,
    CreditBudget,
    Intake,
    LedgerEntry,
    ThresholdReached,
    period_window,
    staff,
    thresholds_reached,
)
from . import messages
from .ports import DuneRunnerUnitOfWorkPort

__all__ = [
    "pause_by_staff",
    "pause_intake",
    "record_execution_cost",
    "resume_by_staff",
]

log = logging.getLogger("walletreports.dune_runner.budget")


async def record_execution_cost(
    uow: DuneRunnerUnitOfWorkPort, *, entry: LedgerEntry, budget: CreditBudget, now: datetime
) -> list[ThresholdReached]:
    """Add the execution's ledger entry and announce the thresholds the periods' credits
    now reach (each once per period); 100 % pauses intake. Holds the intake row, so
    concurrent executions are counted one after the other. An execution already in the
    ledger changes nothing."""
    intake = await uow.intake.get(lock=True)
    if not await uow.ledger.add(entry):
        return []
    reached: list[ThresholdReached] = []
    for period, limit in budget.limits():
        start, end = period_window(period, now)
        used = await uow.ledger.used_between(start, end)
        announced = await uow.alerts.announced(period, start)
        for threshold in thresholds_reached(
            used=used, budget=limit, thresholds=budget.thresholds, already=announced
        ):
            if not await uow.alerts.record(
                period=period,
                period_start=start,
                threshold=threshold,
                used=used,
                budget=limit,
                at=now,
            ):
                continue
            crossing = ThresholdReached(period, start, threshold, used, limit, now)
            reached.append(crossing)
            await uow.emit(messages.threshold_reached(crossing))
            log.warning(
                "%s credit budget at %d%%: %s of %s credits", period, threshold, used, limit
            )
            if crossing.pauses_intake:
                await _pause(
                    uow,
                    intake,
                    reason=f"{period} credit budget reached: {used} of {limit} credits",
                    by=SYSTEM,
                    now=now,
                )
    return reached


async def pause_intake(
    uow: DuneRunnerUnitOfWorkPort, *, reason: str, by: str, now: datetime
) -> bool:
    """Pause intake (a 402 from Dune, the system); False if it was paused already."""
    intake = await uow.intake.get(lock=True)
    return await _pause(uow, intake, reason=reason, by=by, now=now)


async def pause_by_staff(
    uow: DuneRunnerUnitOfWorkPort, *, staff_email: str, reason: str, now: datetime
) -> bool:
    return await pause_intake(uow, reason=reason, by=staff(staff_email), now=now)


async def resume_by_staff(
    uow: DuneRunnerUnitOfWorkPort, *, staff_email: str, reason: str, now: datetime
) -> bool:
    """Resume intake; False if it was not paused. Then call `analysis.release_waiting`."""
    by = staff(staff_email)
    intake = await uow.intake.get(lock=True)
    change = intake.resume(reason=reason, by=by, now=now)
    if change is None:
        return False
    await uow.intake.save(intake)
    await uow.emit(messages.intake_changed(change))
    log.warning("intake resumed by %s: %s", by, change.reason)
    return True


async def _pause(
    uow: DuneRunnerUnitOfWorkPort, intake: Intake, *, reason: str, by: str, now: datetime
) -> bool:
    change = intake.pause(reason=reason, by=by, now=now)
    if change is None:
        return False
    await uow.intake.save(intake)
    await uow.emit(messages.intake_changed(change))
    log.warning("intake paused by %s: %s", by, change.reason)
    return True
