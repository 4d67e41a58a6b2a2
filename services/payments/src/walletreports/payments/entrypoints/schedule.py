"""Work on a clock: keeping the SOL/USD quote fresh (every replica keeps its own board;
the source is asked a few times a minute, well inside the quote's maximum age)."""

from __future__ import annotations

import asyncio

from walletreports.kit import repeat

from ..adapters.rate_sources import QuoteBoard

REFRESH_SOL_QUOTE_SECONDS = 10.0


async def refresh_sol_quotes(
    sol_quotes: QuoteBoard, every_seconds: float = REFRESH_SOL_QUOTE_SECONDS
) -> None:
    # The composition root asked once at start already: the first refresh is due later.
    await asyncio.sleep(every_seconds)
    await repeat(sol_quotes.refresh, every_seconds, "refreshing the SOL/USD quote")
