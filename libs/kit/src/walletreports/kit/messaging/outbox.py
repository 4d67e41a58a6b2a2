"""Recording an event in the same transaction as the state change it describes."""

from __future__ import annotations

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from walletreports.contracts import Event

# Set on the session so the relay can be woken right after this transaction commits.
RECORDED_FLAG = "walletreports.outbox.recorded"


class Outbox:
    def __init__(self, table: Table) -> None:
        self.table = table

    async def record(self, session: AsyncSession, *events: Event) -> None:
        """Add events to the caller's transaction; they leave only if it commits."""
        if not events:
            return
        await session.execute(
            insert(self.table),
            [
                {
                    "event_id": event.event_id,
                    "subject": event.subject,
                    "payload": event.model_dump_json().encode(),
                    "correlation_id": event.correlation_id,
                }
                for event in events
            ],
        )
        session.info[RECORDED_FLAG] = True
