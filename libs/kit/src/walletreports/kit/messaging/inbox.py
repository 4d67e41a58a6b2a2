"""Remembering which events a consumer has handled, in the handler's own transaction."""

from __future__ import annotations

import uuid

from sqlalchemy import Table, update
from sqlalchemy.ext.asyncio import AsyncSession

from walletreports.contracts import Event

from ..bulk import insert_from_arrays


class Inbox:
    def __init__(self, table: Table) -> None:
        self.table = table
        self._claim_many = (
            insert_from_arrays(table, ("event_id", "subject"), same_for_all=("consumer",))
            .on_conflict_do_nothing()
            .returning(table.c.event_id)
        )

    async def claim_many(
        self, session: AsyncSession, consumer: str, events: list[Event]
    ) -> set[uuid.UUID]:
        """The ids among `events` this consumer has not seen before, claimed in one statement.

        The claims commit or roll back with the handlers' effects, so a handler that
        fails leaves no claim behind and the redelivery runs it again.
        """
        if not events:
            return set()
        firsts = {
            event.event_id: event for event in events
        }.values()  # a second copy in the batch claims nothing more
        result = await session.execute(
            self._claim_many,
            {
                "consumer": consumer,
                "event_id": [event.event_id for event in firsts],
                "subject": [event.subject for event in firsts],
            },
        )
        return set(result.scalars())

    async def record_refusal(
        self, session: AsyncSession, consumer: str, event: Event, code: str, message: str
    ) -> None:
        """Mark an event this consumer refused for good (its claim is in this transaction)."""
        t = self.table
        await session.execute(
            update(t)
            .where(t.c.consumer == consumer, t.c.event_id == event.event_id)
            .values(outcome="refused", detail=f"{code}: {message}"[:1000])
        )
