"""Remembering which events a consumer has handled, in the handler's own transaction."""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from walletreports.contracts import Event


class Inbox:
    def __init__(self, table: Table) -> None:
        self.table = table

    async def claim(self, session: AsyncSession, consumer: str, event: Event) -> bool:
        """True the first time `consumer` sees this event; False for any repeat.

        The row commits or rolls back with the handler's effect, so a handler that
        fails leaves no claim behind and the redelivery runs it again.
        """
        result = await session.execute(
            insert(self.table)
            .values(consumer=consumer, event_id=event.event_id, subject=event.subject)
            .on_conflict_do_nothing()
            .returning(self.table.c.event_id)
        )
        return result.first() is not None

    async def claim_many(self, session: AsyncSession, consumer: str, events: list[Event]) -> set:
        """The ids among `events` this consumer has not seen before, claimed in one statement."""
        if not events:
            return set()
        rows = {event.event_id: {"consumer": consumer, "event_id": event.event_id, "subject": event.subject} for event in events}
        # Parameters apart from the statement: one cached statement whatever the count
        # (SQLAlchemy sends them as one multi-row INSERT ... RETURNING).
        result = await session.execute(
            insert(self.table).on_conflict_do_nothing().returning(self.table.c.event_id), list(rows.values())
        )
        return set(result.scalars())
