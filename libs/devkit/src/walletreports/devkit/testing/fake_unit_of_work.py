"""The transaction part of a service's in-memory unit of work, for service-layer unit
tests on fakes (cosmicpython's FakeUnitOfWork): every service's fakes.py subclasses it
and names its fake repositories in `_parts`.

Used as `async with uow:`, it commits on a clean exit (`committed`) and, on an
exception, rolls back the repositories (their state as it was on entry, the fakes'
records of calls included) and the events emitted inside the block, as the real
transaction would.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from types import TracebackType
from typing import Any, Self, TypeVar

from walletreports.contracts import Event

E = TypeVar("E", bound=Event)


class FakeUnitOfWorkBase(ABC):
    def __init__(self) -> None:
        self.events: list[Event] = []
        self.committed = False
        self.rolled_back = False
        self._before: tuple[list[dict[str, Any]], int] = ([], 0)

    async def emit(self, *events: Event) -> None:
        self.events.extend(events)

    # --- for tests -----------------------------------------------------------------

    @property
    def subjects(self) -> list[str]:
        return [event.subject for event in self.events]

    def emitted(self, kind: type[E]) -> list[E]:
        return [event for event in self.events if isinstance(event, kind)]

    # --- the transaction -----------------------------------------------------------

    async def __aenter__(self) -> Self:
        self.committed = self.rolled_back = False
        self._before = ([copy.deepcopy(vars(part)) for part in self._parts()], len(self.events))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.committed = True
            return
        # Everything the block did is undone, the fakes' records of it included.
        states, emitted_before = self._before
        for part, before in zip(self._parts(), states, strict=True):
            vars(part).clear()
            vars(part).update(before)
        del self.events[emitted_before:]
        self.rolled_back = True

    @abstractmethod
    def _parts(self) -> list[object]:
        """The fake repositories a rollback restores (each service's fake names its own)."""
