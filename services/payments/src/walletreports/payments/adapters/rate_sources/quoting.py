"""One call for the service: ask a source, judge what it says, never raise for a source
that failed. The result goes straight into `open_invoice` (`sol_quote` when usable,
`sol_withdrawn_reason=decision.reason.value` when withdrawn)."""

from __future__ import annotations

from walletreports.kit import Clock
from walletreports.payments.domain.quote_policy import (
    QuoteDecision,
    QuotePolicy,
    judge_quote,
    source_failed,
)

from .base import RateSource, RateSourceError

__all__ = ["fetch_sol_quote"]


async def fetch_sol_quote(
    source: RateSource, *, policy: QuotePolicy, clock: Clock
) -> QuoteDecision:
    """The source's quote judged at the clock's now (read after the quote arrived, so a
    slow answer counts against its age), or `source_failed` if the source raised
    `RateSourceError`. Any other exception is a bug and propagates."""
    try:
        raw = await source.quote()
    except RateSourceError as error:
        return source_failed(f"{source.name}: {error}")
    return judge_quote(raw, now=clock.now(), policy=policy)
