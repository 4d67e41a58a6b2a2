"""Idempotency keys: claim one for a request, or find the response it already got."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from .tables import idempotency_keys

t = idempotency_keys


@dataclass(frozen=True)
class StoredRequest:
    fingerprint: str
    status: int
    body: Any


async def claim(session: AsyncSession, key: str, fingerprint: str) -> StoredRequest | None:
    """None when this transaction now owns `key`; else what the first request stored.

    A concurrent request with the same key waits on the primary key until the owner
    commits (then sees its response) or rolls back (then owns the key itself).
    """
    claimed = (
        await session.execute(
            insert(t)
            .values(key=key, fingerprint=fingerprint)
            .on_conflict_do_nothing()
            .returning(t.c.key)
        )
    ).first()
    if claimed is not None:
        return None
    row = (await session.execute(select(t).where(t.c.key == key))).one()
    return StoredRequest(row.fingerprint, row.response_status, row.response_body)


async def remember(session: AsyncSession, key: str, status: int, body: Any) -> None:
    await session.execute(
        update(t).where(t.c.key == key).values(response_status=status, response_body=body)
    )


async def delete_older_than(session: AsyncSession, age: timedelta) -> int:
    """Delete keys created more than `age` ago (by the database's clock); returns how many."""
    result = await session.execute(delete(t).where(t.c.created_at < func.now() - age))
    return result.rowcount
