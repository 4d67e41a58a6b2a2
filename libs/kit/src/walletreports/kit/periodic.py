"""Work on a clock, for background tasks: run a step, then wait, forever."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)


async def repeat(step: Callable[[], Awaitable[Any]], every_seconds: float, what: str) -> None:
    """Run `step` every `every_seconds`. A failure (the database away, say) is logged
    and the step tried again next time; only cancellation ends the loop."""
    while True:
        try:
            await step()
        except asyncio.CancelledError:
            raise
        except Exception:  # logged; the next round tries again
            log.exception("%s failed; trying again in %.0fs", what, every_seconds)
        await asyncio.sleep(every_seconds)
