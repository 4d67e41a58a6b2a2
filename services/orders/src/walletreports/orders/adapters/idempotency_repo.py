"""Idempotency keys: claim one for a request, or find the response it already got."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from ..service_layer.ports import StoredRequest
from .tables import idempotency_keys

__all__ = ["IdempotencyRepository", "StoredRequest"]

t = idempotency_keys


class IdempotencyRepository:
    """The `IdempotencyPort` over the idempotency_keys table."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, key: str, fingerprint: str) -> StoredRequest | None:
        """None when this transaction now owns `key`; else what the first request stored.

        A concurrent request with the same key waits on the primary key until the owner
        commits (then sees its response) or rolls back (then owns the key itself).
        """
        claimed = (
            await self.session.execute(
                insert(t)
                .values(key=key, fingerprint=fingerprint)
                .on_conflict_do_nothing()
                .returning(t.c.key)
            )
        ).first()
        if claimed is not None:
            return None
        row = (await self.session.execute(select(t).where(t.c.key == key))).one()
        return StoredRequest(row.fingerprint, row.response_status, row.response_body)

    async def remember(self, key: str, status: int, body: Any) -> None:
        await self.session.execute(
            update(t).where(t.c.key == key).values(response_status=status, response_body=body)
        )

    async def delete_older_than(self, age: timedelta) -> int:
        """Delete keys created more than `age` ago (by the database's clock); returns how many."""
        # A DELETE's result is a CursorResult (it has rowcount); the stubs say Result.
        result = cast(
            "CursorResult[Any]",
            await self.session.execute(delete(t).where(t.c.created_at < func.now() - age)),
        )
        return result.rowcount
