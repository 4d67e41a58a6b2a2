"""The audit of every execute sent to Dune: one row per attempt (its effect key).

`sending` is written and committed right before the POST, in the transaction that checks
the attempt is still wanted; `answered` completes it in the transaction that records the
outcome (with the kit's on_done / on_failed). A row left `sending` is an execute whose
runner died between the two: Dune may have run it (the job is in doubt). The ledger adds
the execution's credits when it ends (CreditLedgerRepository.add).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain import ExecuteRequest
from .tables import execute_log

__all__ = ["ACCEPTED", "IN_DOUBT", "REFUSED", "SENDING", "ExecuteLogEntry", "ExecuteLogRepository"]

SENDING = "sending"
ACCEPTED = "accepted"
REFUSED = "refused"
IN_DOUBT = "in_doubt"


@dataclass(frozen=True, slots=True)
class ExecuteLogEntry:
    effect_key: str
    job_id: uuid.UUID
    attempt: int
    order_id: uuid.UUID
    query_name: str
    query_id: int
    parameters: dict[str, str]
    sent_at: datetime
    answered_at: datetime | None
    outcome: str
    execution_id: str | None
    error: str | None
    credits: Decimal | None
    ended_at: datetime | None


class ExecuteLogRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def sending(self, request: ExecuteRequest, *, at: datetime) -> None:
        await self.session.execute(
            insert(execute_log)
            .values(
                effect_key=request.key,
                job_id=request.job_id,
                attempt=request.attempt,
                order_id=request.order_id,
                query_name=request.query_name,
                query_id=request.query_id,
                parameters=dict(request.parameters),
                sent_at=at,
                outcome=SENDING,
            )
            .on_conflict_do_nothing(index_elements=["effect_key"])
        )

    async def answered(
        self,
        effect_key: str,
        *,
        outcome: str,
        at: datetime,
        execution_id: str | None = None,
        error: str | None = None,
    ) -> bool:
        """Complete the attempt's row; False when there is none (it was never sent)."""
        done = await self.session.execute(
            update(execute_log)
            .where(execute_log.c.effect_key == effect_key)
            .values(
                outcome=outcome,
                answered_at=at,
                execution_id=execution_id,
                error=None if error is None else error[:2000],
            )
            .returning(execute_log.c.id)
        )
        return done.first() is not None

    async def exists(self, effect_key: str) -> bool:
        """Was this attempt's POST reached (its row is committed right before it)?"""
        found = await self.session.execute(
            select(execute_log.c.id).where(execute_log.c.effect_key == effect_key)
        )
        return found.first() is not None

    async def for_job(self, job_id: uuid.UUID) -> list[ExecuteLogEntry]:
        """Every execute sent for the job, oldest first."""
        rows = await self.session.execute(
            select(execute_log)
            .where(execute_log.c.job_id == job_id)
            .order_by(execute_log.c.attempt, execute_log.c.id)
        )
        return [entry_from_row(row) for row in rows.all()]


def entry_from_row(row: Any) -> ExecuteLogEntry:
    return ExecuteLogEntry(
        effect_key=row.effect_key,
        job_id=row.job_id,
        attempt=row.attempt,
        order_id=row.order_id,
        query_name=row.query_name,
        query_id=row.query_id,
        parameters={str(k): str(v) for k, v in row.parameters.items()},
        sent_at=row.sent_at,
        answered_at=row.answered_at,
        outcome=row.outcome,
        execution_id=row.execution_id,
        error=row.error,
        credits=row.credits,
        ended_at=row.ended_at,
    )
