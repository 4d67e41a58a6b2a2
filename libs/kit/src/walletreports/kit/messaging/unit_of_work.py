"""One transaction: the state change and the events about it commit together."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from walletreports.contracts import Event

from .outbox import RECORDED_FLAG, Outbox


@dataclass
class UnitOfWork:
    session: AsyncSession
    outbox: Outbox

    async def emit(self, *events: Event) -> None:
        await self.outbox.record(self.session, *events)


class UnitsOfWork:
    """Opens units of work; wakes the relay after a commit that recorded events."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], outbox: Outbox, on_events_committed: Callable[[], None]
    ) -> None:
        self.sessions = sessions
        self.outbox = outbox
        self.on_events_committed = on_events_committed

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[UnitOfWork]:
        async with self.sessions() as session:
            async with session.begin():
                yield UnitOfWork(session, self.outbox)
            if session.info.pop(RECORDED_FLAG, False):
                self.on_events_committed()
