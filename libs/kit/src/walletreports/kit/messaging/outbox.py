"""Recording an event in the same transaction as the state change it describes."""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from walletreports.contracts import Event

from ..bulk import insert_from_arrays

# Set on the session so the relay can be woken right after this transaction commits.
RECORDED_FLAG = "walletreports.outbox.recorded"


class Outbox:
    def __init__(self, table: Table) -> None:
        self.table = table
        self._insert = insert_from_arrays(
            table, ("event_id", "subject", "payload", "correlation_id")
        )

    async def record(self, session: AsyncSession, *events: Event) -> None:
        """Add events to the caller's transaction; they leave only if it commits."""
        if not events:
            return
        arrays = {
            "event_id": [event.event_id for event in events],
            "subject": [event.subject for event in events],
            "payload": [event.model_dump_json().encode() for event in events],
            "correlation_id": [event.correlation_id for event in events],
        }
        await session.execute(self._insert, arrays)
        session.info[RECORDED_FLAG] = True
