"""The SOL quote policy: a quote is locked as a SolQuote or SOL is withdrawn with a reason,
never adjusted, and the fixed source plus `fetch_sol_quote` feed it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from walletreports.kit import MovableClock
from walletreports.payments.adapters.rate_sources import (
    FixedRateSource,
    RateSourceError,
    fetch_sol_quote,
)
from walletreports.payments.domain.invoice import SolQuote
from walletreports.payments.domain.quote_policy import (
    QuotePolicy,
    QuoteUsable,
    QuoteWithdrawn,
    RawQuote,
    WithdrawReason,
    judge_quote,
)

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
POLICY = QuotePolicy(
    max_age=timedelta(seconds=30),
    max_confidence_ratio=Decimal("0.01"),
    max_clock_skew=timedelta(seconds=2),
)


def raw(rate: str = "150.25", conf: str = "0.10", age: float = 1.0) -> RawQuote:
    return RawQuote(Decimal(rate), Decimal(conf), NOW - timedelta(seconds=age), "test")


def reason(quote: RawQuote, policy: QuotePolicy = POLICY) -> WithdrawReason:
    decision = judge_quote(quote, now=NOW, policy=policy)
    assert isinstance(decision, QuoteWithdrawn), decision
    assert decision.detail
    return decision.reason


def test_a_fresh_certain_quote_becomes_the_invoices_sol_quote_unchanged():
    quote = raw("150.12345678", "0.5")
    decision = judge_quote(quote, now=NOW, policy=POLICY)
    assert decision == QuoteUsable(
        SolQuote(Decimal("150.12345678"), Decimal("0.5"), "test", quote.published_at)
    )


@pytest.mark.parametrize("rate", ["0", "-1", "-0.00000001", "NaN", "Infinity", "-Infinity"])
def test_a_rate_that_is_not_positive_and_finite_withdraws_sol(rate):
    assert reason(raw(rate, "0")) is WithdrawReason.NON_POSITIVE


def test_age_limit_is_inclusive():
    assert isinstance(judge_quote(raw(age=30), now=NOW, policy=POLICY), QuoteUsable)
    assert reason(raw(age=30.001)) is WithdrawReason.STALE


def test_non_positive_is_reported_before_stale():
    assert reason(raw("0", age=3600)) is WithdrawReason.NON_POSITIVE


def test_small_clock_skew_is_tolerated_but_a_future_quote_beyond_it_fails_the_source():
    assert isinstance(judge_quote(raw(age=-2), now=NOW, policy=POLICY), QuoteUsable)
    assert reason(raw(age=-2.5)) is WithdrawReason.SOURCE_FAILED


def test_confidence_ratio_limit_is_inclusive_and_exact():
    # 1% of 150.25 is 1.5025 exactly: allowed; one unit above it is not.
    assert isinstance(judge_quote(raw(conf="1.5025"), now=NOW, policy=POLICY), QuoteUsable)
    assert reason(raw(conf="1.50250001")) is WithdrawReason.TOO_UNCERTAIN


@pytest.mark.parametrize("conf", ["-0.01", "NaN", "Infinity"])
def test_a_confidence_that_is_not_a_non_negative_number_is_too_uncertain(conf):
    assert reason(raw(conf=conf)) is WithdrawReason.TOO_UNCERTAIN


def test_stale_is_reported_before_too_uncertain():
    assert reason(raw(conf="100", age=31)) is WithdrawReason.STALE


def test_reason_values_are_the_documented_codes():
    assert {r.value for r in WithdrawReason} == {
        "stale",
        "too_uncertain",
        "non_positive",
        "source_failed",
    }


def test_raw_quotes_refuse_floats_and_naive_times():
    with pytest.raises(TypeError):
        RawQuote(150.25, Decimal(0), NOW, "test")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        RawQuote(Decimal(1), Decimal(0), NOW.replace(tzinfo=None), "test")
    with pytest.raises(ValueError):
        judge_quote(raw(), now=NOW.replace(tzinfo=None), policy=POLICY)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_age": timedelta(0)},
        {"max_clock_skew": timedelta(seconds=-1)},
        {"max_confidence_ratio": Decimal(-1)},
        {"max_confidence_ratio": Decimal("NaN")},
    ],
)
def test_policy_refuses_nonsense_limits(kwargs):
    with pytest.raises(ValueError):
        QuotePolicy(**kwargs)


async def test_fixed_source_quotes_its_rate_published_now():
    clock = MovableClock(NOW)
    source = FixedRateSource(Decimal("142.5"), clock=clock)
    quote = await source.quote()
    assert quote == RawQuote(Decimal("142.5"), Decimal(0), NOW, "fixed")
    clock.advance(timedelta(hours=1))
    decision = await fetch_sol_quote(source, policy=POLICY, clock=clock)
    assert decision == QuoteUsable(
        SolQuote(Decimal("142.5"), Decimal(0), "fixed", NOW + timedelta(hours=1))
    )


@pytest.mark.parametrize("rate", [Decimal(0), Decimal(-1), Decimal("NaN"), 142.5])
def test_fixed_source_refuses_a_bad_configured_rate(rate):
    with pytest.raises(ValueError):
        FixedRateSource(rate, clock=MovableClock(NOW))


class _Failing:
    name = "broken"

    async def quote(self) -> RawQuote:
        raise RateSourceError("RPC rate limited the request (HTTP 429)")


async def test_a_failing_source_withdraws_sol_instead_of_raising():
    decision = await fetch_sol_quote(_Failing(), policy=POLICY, clock=MovableClock(NOW))
    assert isinstance(decision, QuoteWithdrawn)
    assert decision.reason is WithdrawReason.SOURCE_FAILED
    assert "broken" in decision.detail and "429" in decision.detail


async def test_a_stale_quote_from_a_source_is_withdrawn_as_stale():
    clock = MovableClock(NOW)
    source = FixedRateSource(Decimal(100), clock=MovableClock(NOW - timedelta(minutes=5)))
    decision = await fetch_sol_quote(source, policy=POLICY, clock=clock)
    assert isinstance(decision, QuoteWithdrawn) and decision.reason is WithdrawReason.STALE
