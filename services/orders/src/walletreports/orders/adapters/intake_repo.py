"""Whether new orders are accepted, as dune_runner's last intake event said."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .tables import intake_state


@dataclass(frozen=True)
class IntakeState:
    paused: bool
    reason: str
    as_of: datetime


async def current(session: AsyncSession) -> IntakeState:
    row = (await session.execute(select(intake_state).where(intake_state.c.id == 1))).one()
    return IntakeState(row.paused, row.reason, row.as_of)


async def record(session: AsyncSession, *, paused: bool, reason: str, as_of: datetime) -> bool:
    """Apply an intake event unless a newer one was applied already; True if applied."""
    result = await session.execute(
        update(intake_state)
        .where(intake_state.c.id == 1, intake_state.c.as_of < as_of)
        .values(paused=paused, reason=reason, as_of=as_of)
    )
    return result.rowcount == 1
