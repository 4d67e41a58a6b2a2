"""Whether new orders are accepted, as dune_runner's last intake event said."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from ..service_layer.ports import IntakeState
from .tables import intake_state

__all__ = ["IntakeRepository", "IntakeState"]


class IntakeRepository:
    """The `IntakePort` over the one-row intake_state table."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def current(self) -> IntakeState:
        row = (await self.session.execute(select(intake_state).where(intake_state.c.id == 1))).one()
        return IntakeState(row.paused, row.reason, row.as_of)

    async def record(self, *, paused: bool, reason: str, as_of: datetime) -> bool:
        """Apply an intake event unless a newer one was applied already; True if applied."""
        # An UPDATE's result is a CursorResult (it has rowcount); the stubs say Result.
        result = cast(
            "CursorResult[Any]",
            await self.session.execute(
                update(intake_state)
                .where(intake_state.c.id == 1, intake_state.c.as_of < as_of)
                .values(paused=paused, reason=reason, as_of=as_of)
            ),
        )
        return result.rowcount == 1
