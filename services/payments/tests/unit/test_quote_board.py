"""The quote board: the latest quote from the source, judged at the moment an invoice opens."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from walletreports.kit import MovableClock
from walletreports.payments.adapters.rate_sources import (
    FixedRateSource,
    QuoteBoard,
    RateSourceError,
)
from walletreports.payments.domain.quote_policy import (
    QuotePolicy,
    QuoteUsable,
    QuoteWithdrawn,
    RawQuote,
    WithdrawReason,
)

START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
POLICY = QuotePolicy(max_age=timedelta(seconds=60))


class FlakySource:
    name = "flaky"

    def __init__(self, clock: MovableClock) -> None:
        self.clock = clock
        self.fail = False

    async def quote(self) -> RawQuote:
        if self.fail:
            raise RateSourceError("the node answered 429")
        return RawQuote(Decimal("150"), Decimal("0.1"), self.clock.now(), self.name)


async def test_no_source_means_no_decision():
    board = QuoteBoard(None, policy=POLICY, clock=MovableClock(START))
    await board.refresh()
    assert board.decision() is None


async def test_a_fixed_rate_is_usable_once_asked():
    clock = MovableClock(START)
    board = QuoteBoard(FixedRateSource(Decimal("150"), clock=clock), policy=POLICY, clock=clock)
    before = board.decision()
    assert isinstance(before, QuoteWithdrawn) and before.reason is WithdrawReason.SOURCE_FAILED
    await board.refresh()
    decision = board.decision()
    assert isinstance(decision, QuoteUsable)
    assert decision.quote.usd_per_sol == Decimal("150") and decision.quote.source == "fixed"


async def test_a_failing_source_keeps_its_last_quote_until_it_goes_stale():
    clock = MovableClock(START)
    source = FlakySource(clock)
    board = QuoteBoard(source, policy=POLICY, clock=clock)
    await board.refresh()
    source.fail = True
    clock.advance(timedelta(seconds=30))
    await board.refresh()  # fails: the 30 s old quote still stands
    assert isinstance(board.decision(), QuoteUsable)
    clock.advance(timedelta(seconds=31))
    stale = board.decision()
    assert isinstance(stale, QuoteWithdrawn) and stale.reason is WithdrawReason.STALE


async def test_a_source_that_never_answered_withdraws_sol_saying_why():
    clock = MovableClock(START)
    source = FlakySource(clock)
    source.fail = True
    board = QuoteBoard(source, policy=POLICY, clock=clock)
    await board.refresh()
    decision = board.decision()
    assert isinstance(decision, QuoteWithdrawn)
    assert decision.reason is WithdrawReason.SOURCE_FAILED and "429" in decision.detail
