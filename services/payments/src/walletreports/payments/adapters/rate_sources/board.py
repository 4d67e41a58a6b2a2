"""The latest SOL/USD quote, kept fresh in the background, judged when an invoice opens.

Opening an invoice runs inside the consumer's transaction, where no network call
belongs (a slow price API would hold the batch and its locks). So a background task
asks the source every few seconds and keeps what it said; opening an invoice judges the
kept quote at that moment (a quote that has aged past the policy is withdrawn, never
reused as if fresh). Every replica keeps its own board.
"""

from __future__ import annotations

import logging

from walletreports.kit import Clock
from walletreports.payments.domain.invoice import SolQuote
from walletreports.payments.domain.quote_policy import (
    QuoteDecision,
    QuotePolicy,
    QuoteUsable,
    RawQuote,
    judge_quote,
    source_failed,
)

from .base import RateSource, RateSourceError

log = logging.getLogger(__name__)

NOT_ASKED_YET = "the rate source has not answered yet"


class QuoteBoard:
    def __init__(self, source: RateSource | None, *, policy: QuotePolicy, clock: Clock) -> None:
        """`source` None: no SOL rate is configured; `decision` is then None (SOL withdrawn
        with the invoice's own reason for that)."""
        self.source = source
        self.policy = policy
        self.clock = clock
        self._latest: RawQuote | None = None
        self._failure: str | None = None

    async def refresh(self) -> None:
        """Ask the source once. A failure keeps the last quote (it ages out by itself)
        and is what a decision says while no usable quote is left."""
        if self.source is None:
            return
        try:
            self._latest = await self.source.quote()
            self._failure = None
        except RateSourceError as error:
            self._failure = f"{self.source.name}: {error}"
            log.warning("SOL rate source failed: %s", self._failure)

    def decision(self) -> QuoteDecision | None:
        """Lock SOL at the latest quote, or withdraw it with the reason, as of now; None
        when no source is configured."""
        if self.source is None:
            return None
        if self._latest is None:
            return source_failed(self._failure or NOT_ASKED_YET)
        return judge_quote(self._latest, now=self.clock.now(), policy=self.policy)

    def usable_quote(self) -> SolQuote | None:
        """The quote as of now if it passes the policy, else None: what pricing a late
        SOL payment at a fresh rate needs (no reason wanted, only a rate or none)."""
        decision = self.decision()
        return decision.quote if isinstance(decision, QuoteUsable) else None
