"""A configured USD per SOL, published "now": the default for localnet and tests, where no
price feed exists and a predictable rate makes SOL amounts predictable."""

from __future__ import annotations

from decimal import Decimal

from walletreports.kit import Clock
from walletreports.payments.domain.quote_policy import RawQuote

__all__ = ["FixedRateSource"]


class FixedRateSource:
    """Always quotes `usd_per_sol` (confidence `confidence`, default 0), published at
    the injected clock's now, so it is never stale."""

    def __init__(
        self,
        usd_per_sol: Decimal,
        *,
        clock: Clock,
        confidence: Decimal = Decimal(0),
        name: str = "fixed",
    ) -> None:
        # A misconfigured rate is a start-up error, not a per-invoice withdrawal.
        for label, value in (("usd_per_sol", usd_per_sol), ("confidence", confidence)):
            if not isinstance(value, Decimal) or not value.is_finite():
                raise ValueError(f"a fixed SOL {label} must be a finite Decimal, got {value!r}")
        if usd_per_sol <= 0:
            raise ValueError(f"a fixed SOL rate must be positive, got {usd_per_sol}")
        if confidence < 0:
            raise ValueError(f"a fixed SOL confidence must be >= 0, got {confidence}")
        self._usd_per_sol = usd_per_sol
        self._confidence = confidence
        self._clock = clock
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    async def quote(self) -> RawQuote:
        return RawQuote(
            usd_per_sol=self._usd_per_sol,
            confidence=self._confidence,
            published_at=self._clock.now(),
            source=self._name,
        )
