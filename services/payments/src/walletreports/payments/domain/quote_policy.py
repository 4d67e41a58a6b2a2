"""Whether a SOL/USD quote may price an invoice, or why SOL is withdrawn from it.

A rate source hands back a `RawQuote` exactly as it read it; this policy decides. Either
the quote becomes a `SolQuote` (what the invoice locks and keeps for audit), or SOL is
withdrawn from that invoice with a reason code (USDC/USDT are still offered). Nothing
here invents, rounds or repairs a rate: a doubtful quote is refused, never adjusted.

Reason codes (`WithdrawReason`, stored as `sol_withdrawn_reason`):
- `non_positive`: the rate is zero, negative or not a finite number.
- `stale`: published longer than `max_age` before `now`.
- `too_uncertain`: confidence / rate is above `max_confidence_ratio` (or the confidence
  is negative or not finite).
- `source_failed`: the source could not quote at all (RPC error, timeout, 429, a missing
  or malformed account), or it claims a publish time further in the future than
  `max_clock_skew` (the source or our clock is wrong; either way the quote is not usable).

Checks run in that order, so a quote is refused for the first rule it breaks.
Pure: `now` is passed in; nothing here reads a clock or does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from .invoice import SolQuote

__all__ = [
    "QuoteDecision",
    "QuotePolicy",
    "QuoteUsable",
    "QuoteWithdrawn",
    "RawQuote",
    "WithdrawReason",
    "judge_quote",
    "source_failed",
]


class WithdrawReason(StrEnum):
    """Why SOL is not offered on an invoice (the value is what the invoice stores)."""

    STALE = "stale"
    TOO_UNCERTAIN = "too_uncertain"
    NON_POSITIVE = "non_positive"
    SOURCE_FAILED = "source_failed"


def _require_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")


@dataclass(frozen=True, slots=True)
class RawQuote:
    """A USD per SOL rate as a source read it, not yet judged (it may be stale or absurd).

    `usd_per_sol` and `confidence` are exact Decimals in USD (never floats);
    `published_at` is when the source says the price was published, not when we read it.
    """

    usd_per_sol: Decimal
    confidence: Decimal
    published_at: datetime
    source: str

    def __post_init__(self) -> None:
        for name in ("usd_per_sol", "confidence"):
            if not isinstance(getattr(self, name), Decimal):
                raise TypeError(f"{name} must be a Decimal, never a float")
        _require_aware(self.published_at, "published_at")
        if not self.source:
            raise ValueError("a quote names its source")


@dataclass(frozen=True, slots=True)
class QuotePolicy:
    """How fresh and how certain a quote must be to lock an invoice's SOL amount.

    `max_confidence_ratio` is confidence / rate: Decimal("0.01") accepts a quote whose
    confidence interval is at most 1% of the price.
    """

    max_age: timedelta = timedelta(seconds=60)
    max_confidence_ratio: Decimal = Decimal("0.01")
    max_clock_skew: timedelta = timedelta(seconds=5)

    def __post_init__(self) -> None:
        if self.max_age <= timedelta(0):
            raise ValueError(f"max_age must be positive, got {self.max_age}")
        if self.max_clock_skew < timedelta(0):
            raise ValueError(f"max_clock_skew must be >= 0, got {self.max_clock_skew}")
        ratio = self.max_confidence_ratio
        if not isinstance(ratio, Decimal) or not ratio.is_finite() or ratio < 0:
            raise ValueError(f"max_confidence_ratio must be a Decimal >= 0, got {ratio!r}")


@dataclass(frozen=True, slots=True)
class QuoteUsable:
    """The quote passed: lock `quote` on the invoice (`open_invoice(sol_quote=...)`)."""

    quote: SolQuote


@dataclass(frozen=True, slots=True)
class QuoteWithdrawn:
    """SOL is withdrawn: `reason.value` goes to `open_invoice(sol_withdrawn_reason=...)`;
    `detail` is for the log line, not for the invoice."""

    reason: WithdrawReason
    detail: str


QuoteDecision = QuoteUsable | QuoteWithdrawn


def source_failed(detail: str) -> QuoteWithdrawn:
    """The decision when the source raised instead of quoting."""
    return QuoteWithdrawn(WithdrawReason.SOURCE_FAILED, detail)


def judge_quote(raw: RawQuote, *, now: datetime, policy: QuotePolicy) -> QuoteDecision:
    """Usable (as a `SolQuote`) or withdrawn with the first rule `raw` breaks."""
    _require_aware(now, "now")
    rate, confidence = raw.usd_per_sol, raw.confidence
    if not rate.is_finite() or rate <= 0:
        return QuoteWithdrawn(WithdrawReason.NON_POSITIVE, f"{raw.source} quoted {rate} USD/SOL")
    age = now - raw.published_at
    if age > policy.max_age:
        return QuoteWithdrawn(
            WithdrawReason.STALE,
            f"{raw.source} quote is {age} old (max {policy.max_age})",
        )
    if -age > policy.max_clock_skew:
        return source_failed(
            f"{raw.source} quote is published {-age} in the future (max {policy.max_clock_skew})"
        )
    # Compared by multiplication, not division: no rounding of a ratio decides anything.
    if (
        not confidence.is_finite()
        or confidence < 0
        or confidence > rate * policy.max_confidence_ratio
    ):
        return QuoteWithdrawn(
            WithdrawReason.TOO_UNCERTAIN,
            f"{raw.source} quote {rate} ± {confidence} USD/SOL exceeds the "
            f"{policy.max_confidence_ratio} confidence ratio",
        )
    return QuoteUsable(
        SolQuote(
            usd_per_sol=rate,
            confidence=confidence,
            source=raw.source,
            published_at=raw.published_at,
        )
    )
