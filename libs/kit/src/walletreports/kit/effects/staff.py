"""What staff (and a service's admin API) need: see an intent, list the ones that need
a person (failed, in doubt), and put one back to be performed again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .requests import REQUESTED_FLAG
from .table import PENDING, UNRESOLVED


@dataclass(frozen=True)
class SideEffect:
    """One row of side_effects, all of it."""

    id: int
    kind: str
    key: str
    payload: dict[str, Any]
    correlation_id: str | None
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    result: Any
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


async def find_effect(
    session: AsyncSession, table: Table, *, kind: str, key: str
) -> SideEffect | None:
    row = (
        await session.execute(select(table).where(table.c.kind == kind, table.c.key == key))
    ).first()
    return None if row is None else _effect(row)


async def needing_attention(
    session: AsyncSession, table: Table, *, kind: str | None = None, limit: int = 100
) -> list[SideEffect]:
    """Failed and in-doubt intents, most recently settled first."""
    query = select(table).where(table.c.status.in_(UNRESOLVED))
    if kind is not None:
        query = query.where(table.c.kind == kind)
    query = query.order_by(table.c.finished_at.desc().nulls_last(), table.c.id.desc()).limit(limit)
    return [_effect(row) for row in (await session.execute(query)).all()]


async def retry(session: AsyncSession, table: Table, effect_id: int) -> bool:
    """Put a failed or in-doubt intent back to pending, with a fresh count of attempts,
    to be performed again as soon as a runner sees it (wake it after the commit, see
    REQUESTED_FLAG). For an in-doubt one, staff are saying it did not happen, or that
    doing it twice is acceptable. Returns False if the row is in no such state."""
    t = table
    changed = await session.execute(
        update(t)
        .where(t.c.id == effect_id, t.c.status.in_(UNRESOLVED))
        .values(
            status=PENDING, attempts=0, next_attempt_at=func.now(), claim=None, finished_at=None
        )
        .returning(t.c.id)
    )
    if changed.first() is None:
        return False
    session.info[REQUESTED_FLAG] = True
    return True


def _effect(row: Any) -> SideEffect:
    return SideEffect(**{name: getattr(row, name) for name in SideEffect.__dataclass_fields__})
