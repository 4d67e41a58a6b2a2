"""Candidate transactions that did not pay an invoice, with why, for staff to look at.

One row per transaction and reference: a second look at the same transaction (a push
and a poll, a restart, "I already paid") keeps the first verdict's row."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from .tables import rejected_candidates


class RejectionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(
        self,
        *,
        signature: str,
        reason: str,
        detail: str,
        at: datetime,
        invoice_id: uuid.UUID | None = None,
        reference: str | None = None,
    ) -> None:
        await self.session.execute(
            insert(rejected_candidates)
            .values(
                signature=signature,
                invoice_id=invoice_id,
                reference=reference,
                reason=reason,
                detail=detail,
                at=at,
            )
            .on_conflict_do_nothing()
        )
