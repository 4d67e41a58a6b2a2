"""The credit ledger, budget alerts and the intake switch (service_layer.ports:
CreditLedgerPort, BudgetAlertsPort, IntakePort).

"Once" is the database's: a ledger entry per execution id and an alert per (period,
start, threshold) are INSERT ... ON CONFLICT DO NOTHING, whose answer says whether this
transaction wrote it. The intake switch is one row the migration inserts, so locking it
(FOR UPDATE, which also serialises budget checks) always has a row to lock.

A ledger entry also completes the execution's audit row (execute_log) with its credits.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain import SYSTEM, BudgetPeriod, Intake, LedgerEntry
from .metrics import ledger_recorded
from .tables import budget_alerts, credit_ledger, execute_log, intake

__all__ = ["BudgetAlertRepository", "CreditLedgerRepository", "IntakeRepository"]

INTAKE_ROW = 1


class CreditLedgerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, entry: LedgerEntry) -> bool:
        written = (
            await self.session.execute(
                insert(credit_ledger)
                .values(
                    execution_id=entry.execution_id,
                    job_id=entry.job_id,
                    order_id=entry.order_id,
                    query_name=entry.query_name,
                    credits=entry.credits,
                    outcome=entry.outcome,
                    cost_reported=entry.cost_reported,
                    recorded_at=entry.recorded_at,
                )
                .on_conflict_do_nothing(index_elements=["execution_id"])
                .returning(credit_ledger.c.execution_id)
            )
        ).first() is not None
        if written:
            await self.session.execute(
                update(execute_log)
                .where(execute_log.c.execution_id == entry.execution_id)
                .values(
                    credits=entry.credits if entry.cost_reported else None,
                    ended_at=entry.recorded_at,
                )
            )
            ledger_recorded(entry.credits, str(entry.outcome))
        return written

    async def used_between(self, start: datetime, end: datetime) -> Decimal:
        used = (
            await self.session.execute(
                select(func.coalesce(func.sum(credit_ledger.c.credits), 0)).where(
                    credit_ledger.c.recorded_at >= start, credit_ledger.c.recorded_at < end
                )
            )
        ).scalar_one()
        return Decimal(used)


class BudgetAlertRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def announced(self, period: BudgetPeriod, period_start: datetime) -> set[int]:
        rows = await self.session.execute(
            select(budget_alerts.c.threshold).where(
                budget_alerts.c.period == period.value,
                budget_alerts.c.period_start == period_start,
            )
        )
        return set(rows.scalars())

    async def record(
        self,
        *,
        period: BudgetPeriod,
        period_start: datetime,
        threshold: int,
        used: Decimal,
        budget: Decimal,
        at: datetime,
    ) -> bool:
        return (
            await self.session.execute(
                insert(budget_alerts)
                .values(
                    period=period.value,
                    period_start=period_start,
                    threshold=threshold,
                    used=used,
                    budget=budget,
                    at=at,
                )
                .on_conflict_do_nothing(index_elements=["period", "period_start", "threshold"])
                .returning(budget_alerts.c.threshold)
            )
        ).first() is not None


class IntakeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, *, lock: bool = False) -> Intake:
        query = select(intake).where(intake.c.id == INTAKE_ROW)
        if lock:
            query = query.with_for_update()
        row = (await self.session.execute(query)).first()
        if row is None:  # the migration inserts it; only a hand-emptied table lacks it
            await self.session.execute(
                insert(intake)
                .values(id=INTAKE_ROW, paused=False, reason="", changed_by=SYSTEM)
                .on_conflict_do_nothing(index_elements=["id"])
            )
            row = (await self.session.execute(query)).one()
        return Intake(
            paused=row.paused,
            reason=row.reason,
            changed_at=row.changed_at,
            changed_by=row.changed_by,
        )

    async def save(self, switch: Intake) -> None:
        await self.session.execute(
            update(intake)
            .where(intake.c.id == INTAKE_ROW)
            .values(
                paused=switch.paused,
                reason=switch.reason,
                changed_at=switch.changed_at,
                changed_by=switch.changed_by,
            )
        )
