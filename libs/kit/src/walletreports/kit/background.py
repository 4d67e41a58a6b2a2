"""Background tasks: loops a service runs beside its HTTP server and consumers.

A task is a coroutine function that runs until cancelled and receives the
collaborators it names (kit.injection). The kit keeps it running: when it crashes it
is logged and started again after a growing delay (1 s, 2 s, 4 s ... 1 min, back to
1 s once it has run for a minute), so a task failing at once does not spin. A task
declared `one_replica=True` runs under a lease (kit.lease): on one replica at a time,
handed over when that replica dies.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

MAX_RESTART_DELAY_SECONDS = 60.0
# A task that ran this long before crashing is restarted after the shortest delay again.
HEALTHY_RUN_SECONDS = 60.0


@dataclass(frozen=True)
class BackgroundTask:
    run: Callable[..., Awaitable[None]]
    one_replica: bool = False
    # With one_replica: how long a dead holder's lease lasts (the longest hand-over).
    lease_ttl_seconds: float = 10.0

    @property
    def name(self) -> str:
        return getattr(self.run, "__name__", repr(self.run))


def restart_delay(crashes_in_a_row: int) -> float:
    return min(2.0 ** max(crashes_in_a_row - 1, 0), MAX_RESTART_DELAY_SECONDS)


async def supervise(
    name: str, run: Callable[[], Awaitable[Any]], *, monotonic: Callable[[], float] = time.monotonic
) -> None:
    """Run `run` until it returns; after a crash, log it and start it again with back-off."""
    crashes = 0
    while True:
        started = monotonic()
        try:
            await run()
            return
        except asyncio.CancelledError:
            raise
        except Exception:  # logged; restarted below
            crashes = 1 if monotonic() - started >= HEALTHY_RUN_SECONDS else crashes + 1
            delay = restart_delay(crashes)
            log.exception(
                "background task %s crashed (%d in a row); restarting in %.0fs",
                name,
                crashes,
                delay,
            )
            await asyncio.sleep(delay)
