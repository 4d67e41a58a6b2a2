"""Recording an intent in the same transaction as the state change that calls for it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

# Set on the session when a new intent was recorded, so whoever commits it can wake
# the runner right after the commit (as the outbox's RECORDED_FLAG wakes the relay).
REQUESTED_FLAG = "walletreports.effects.requested"


async def request_effect(
    session: AsyncSession,
    table: Table,
    *,
    kind: str,
    key: str,
    payload: dict[str, Any],
    correlation_id: str | None = None,
) -> bool:
    """Record the intent to perform `kind` for `key`, in the caller's transaction: it
    is performed only if that transaction commits. Returns True when the intent is new;
    False when (kind, key) was requested before, whatever its status, and then this
    payload is ignored: the first request stands."""
    statement = (
        insert(table)
        .values(kind=kind, key=key, payload=payload, correlation_id=correlation_id)
        .on_conflict_do_nothing(index_elements=["kind", "key"])
        .returning(table.c.id)
    )
    new = (await session.execute(statement)).first() is not None
    if new:
        session.info[REQUESTED_FLAG] = True
    return new
