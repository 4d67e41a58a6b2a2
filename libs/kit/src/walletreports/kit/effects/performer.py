"""What a service writes for each kind of side effect: how to perform one intent, what
to write when it is done or has failed, and its policy.

A performer tells the runner what happened by how `perform` ends:

- returns a value: it happened; the value (JSON) is stored as the row's result.
- raises `EffectNotPerformed`: it certainly did not happen (connection refused before
  anything was sent, a 429 on a POST that was not accepted…): tried again later.
- raises `EffectRefused`: it did not happen and never will (bad address, invalid query
  id…): failed at once.
- raises anything else, or overruns its timeout: nobody knows whether it happened.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any


class EffectNotPerformed(Exception):
    """Raise from `perform` only when you are sure the I/O did not happen: the intent
    goes back to pending and is tried again after a back-off, until its attempts run
    out (then `failed`). `retry_after` (the other side said when: a 429's Retry-After)
    makes the next attempt wait at least that long, whatever the back-off says."""

    def __init__(self, *args: object, retry_after: timedelta | None = None) -> None:
        super().__init__(*args)
        self.retry_after = retry_after


class EffectRefused(Exception):
    """Raise from `perform` when the I/O did not happen and never will: `failed` at
    once, with the message as the reason."""


@dataclass(frozen=True)
class Intent:
    """One requested side effect, as the performer sees it."""

    id: int
    kind: str
    key: str
    payload: dict[str, Any]
    correlation_id: str | None
    # This attempt's number, from 1 (attempts since the request or staff's last retry).
    attempts: int
    created_at: datetime


@dataclass(frozen=True)
class Happened:
    """What `reconcile` returns when the I/O did happen and it found its result (say a
    Dune execution id); `True` means the same with no result."""

    result: Any = None


@dataclass(frozen=True)
class EffectPolicy:
    # The longest one `perform` may take; it is cancelled after that (outcome unknown).
    # It also says when a row left running is stale: timeout + the runner's margin.
    timeout_seconds: float = 30.0
    # Attempts that certainly did not happen before the intent is `failed`.
    max_attempts: int = 5
    # True only if doing it twice does no harm (an idempotent PUT, a read): then an
    # unknown outcome is treated as "did not happen" and tried again, never `in_doubt`.
    safe_to_repeat: bool = False
    # Back-off after the n-th attempt that did not happen: base * 2**(n-1), at most max.
    backoff_base_seconds: float = 1.0
    backoff_max_seconds: float = 300.0

    def backoff(self, attempts: int) -> timedelta:
        seconds = self.backoff_base_seconds * 2 ** max(attempts - 1, 0)
        return timedelta(seconds=min(seconds, self.backoff_max_seconds))


class Performer(ABC):
    """Subclass once per kind; override `perform`, and the hooks you need."""

    policy: EffectPolicy = EffectPolicy()

    @abstractmethod
    async def perform(self, intent: Intent) -> Any:
        """Do the I/O, once. Runs outside any transaction, under the policy's timeout."""

    async def reconcile(self, intent: Intent) -> bool | Happened | None:
        """Asked when the outcome is unknown (an unexpected error, a timeout, or a row
        whose runner died while it was running): look at the other side and say whether
        it happened (True or Happened), did not (False), or cannot tell (None, the
        default: the intent becomes `in_doubt`, or is tried again if safe to repeat).
        Must only look, never act; it may be asked more than once."""
        return None

    async def on_done(self, uow: Any, intent: Intent, result: Any) -> None:  # noqa: B027 - optional hook
        """Write what follows from it (state changes, `uow.emit` events) in the
        transaction that marks the intent done: they commit together or not at all.
        `uow` is the service's unit of work (the runner's `unit_of_work`)."""

    async def on_done_many(self, uow: Any, done: Sequence[tuple[Intent, Any]]) -> None:
        """The runner records the intents done at about the same time in one
        transaction, and calls this once for those of this kind (each with its result).
        The default calls on_done for each; override it to write them together (one
        statement for all). If it raises, the runner records each alone instead."""
        for intent, result in done:
            await self.on_done(uow, intent, result)

    async def on_failed(self, uow: Any, intent: Intent, status: str, reason: str) -> None:  # noqa: B027 - optional hook
        """Likewise when it becomes `failed` or `in_doubt` (status says which); e.g.
        mark a query job for review and record its failure event."""
