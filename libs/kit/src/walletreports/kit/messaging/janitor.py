"""Keeps the outbox and inbox from growing forever.

Published outbox rows are only history once JetStream has them; inbox rows must
outlive every possible redelivery, and a message cannot come back once the stream has
aged it out (streams.MAX_AGE), so the inbox keeps rows twice that long.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Table, delete, func
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..periodic import repeat
from .streams import MAX_AGE

log = logging.getLogger(__name__)

OUTBOX_RETENTION = timedelta(days=7)
INBOX_RETENTION = MAX_AGE * 2


class MessagingJanitor:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], outbox: Table, inbox: Table
    ) -> None:
        self.sessions = sessions
        self.outbox = outbox
        self.inbox = inbox

    async def sweep(self) -> tuple[int, int]:
        """Delete what is past retention; returns (outbox rows, inbox rows) deleted."""
        async with self.sessions() as session, session.begin():
            sent = await session.execute(
                delete(self.outbox).where(
                    self.outbox.c.published_at.is_not(None),
                    self.outbox.c.published_at < func.now() - OUTBOX_RETENTION,
                )
            )
            seen = await session.execute(
                delete(self.inbox).where(self.inbox.c.handled_at < func.now() - INBOX_RETENTION)
            )
        # A DELETE gives a CursorResult; AsyncSession.execute is typed to return a Result.
        return cast(CursorResult[Any], sent).rowcount, cast(CursorResult[Any], seen).rowcount

    async def run(self, every_seconds: float = 3600) -> None:
        await repeat(self._sweep_and_tell, every_seconds, "outbox/inbox sweep")

    async def _sweep_and_tell(self) -> None:
        sent, seen = await self.sweep()
        if sent or seen:
            log.info("janitor removed %d published outbox rows and %d inbox rows", sent, seen)
