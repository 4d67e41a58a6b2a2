"""One transaction: the state change and the events about it commit together.

A service subclasses UnitOfWork to hang its repositories on it (`uow.orders`), so a
use case reads as the domain speaks and a unit test can hand it a fake unit of work
with fake repositories instead (cosmicpython's pattern).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from walletreports.contracts import Event

from ..effects.requests import REQUESTED_FLAG, EffectRequest, request_effect, request_effects
from .outbox import RECORDED_FLAG, Outbox

SIDE_EFFECTS_TABLE = "side_effects"


class UnitOfWork:
    def __init__(self, session: AsyncSession, outbox: Outbox) -> None:
        self.session = session
        self.outbox = outbox

    async def emit(self, *events: Event) -> None:
        """Publish these events if, and only if, this transaction commits."""
        await self.outbox.record(self.session, *events)

    async def request_effect(
        self, kind: str, key: str, payload: dict[str, Any], *, correlation_id: str | None = None
    ) -> bool:
        """Perform the side effect `kind` for `key` once, after this transaction commits
        (kit.effects: at most once per (kind, key), with attempts and a visible failure
        state). True when the intent is new."""
        return await request_effect(
            self.session,
            self._effects_table,
            kind=kind,
            key=key,
            payload=payload,
            correlation_id=correlation_id,
        )

    async def request_effects(self, requests: Sequence[EffectRequest]) -> list[EffectRequest]:
        """`request_effect` for many at once, in one statement; returns the new ones."""
        return await request_effects(self.session, self._effects_table, requests)

    @property
    def _effects_table(self) -> Any:
        return self.outbox.table.metadata.tables[SIDE_EFFECTS_TABLE]


U = TypeVar("U", bound=UnitOfWork)


class UnitsOfWork(Generic[U]):
    """Opens units of work (`async with units() as uow`: commits at the end of the block,
    rolls back on an exception); wakes the relay after a commit that recorded events."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        outbox: Outbox,
        on_events_committed: Callable[[], None],
        unit_of_work: Callable[[AsyncSession, Outbox], U],
        on_effects_requested: Callable[[], None] = lambda: None,
    ) -> None:
        self.sessions = sessions
        self.outbox = outbox
        self.on_events_committed = on_events_committed
        self.unit_of_work = unit_of_work
        self.on_effects_requested = on_effects_requested

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[U]:
        async with self.sessions() as session:
            async with session.begin():
                yield self.unit_of_work(session, self.outbox)
            if session.info.pop(RECORDED_FLAG, False):
                self.on_events_committed()
            if session.info.pop(REQUESTED_FLAG, False):
                self.on_effects_requested()
