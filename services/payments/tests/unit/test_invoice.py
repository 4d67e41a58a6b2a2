"""The invoice lifecycle: every path of `Invoice`'s transitions, with a fixed `now`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from walletreports.kit.errors import Conflict, InvalidInput
from walletreports.payments.domain.invoice import (
    Invoice,
    InvoiceChange,
    NoChange,
    ReviewKind,
    SolQuote,
    Transfer,
    open_invoice,
)
from walletreports.payments.domain.invoice_errors import (
    CurrencyNotAccepted,
    IllegalInvoiceTransition,
    InvalidStaffAction,
    InvoiceCancelled,
    TransferFinalized,
    TransferMismatch,
)
from walletreports.payments.domain.invoice_states import (
    Commitment,
    InvoiceEventName,
    InvoiceReason,
    InvoiceStatus,
)

E = InvoiceEventName
S = InvoiceStatus
R = InvoiceReason
C = Commitment

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
REFERENCE = "11111111111111111111111111111111"  # 32 zero bytes, valid base58 key
REFERENCE_2 = "4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T"
SIG = "5" * 88
RATE = Decimal("150")  # USD per SOL: 25 USD = 0.166666667 SOL (rounded up)


def quote(rate: Decimal = RATE, at: datetime = NOW) -> SolQuote:
    return SolQuote(usd_per_sol=rate, confidence=Decimal("0.05"), source="fixed", published_at=at)


def invoice(tolerance: str = "0", **kw: object) -> Invoice:
    return open_invoice(
        invoice_id=uuid.uuid4(),
        order_id=uuid.uuid4(),
        reference=REFERENCE,
        price_usd=Decimal("25.00"),
        now=NOW,
        sol_quote=quote(),
        tolerance_percent=Decimal(tolerance),
        **kw,  # type: ignore[arg-type]
    )


def tx(
    amount: int = 25_000_000,
    commitment: Commitment = C.FINALIZED,
    currency: str = "USDC",
    signature: str = SIG,
    slot: int = 100,
) -> Transfer:
    return Transfer(
        signature=signature,
        currency=currency,  # type: ignore[arg-type]
        amount_base_units=amount,
        payer="Payer1111111111111111111111111111111111111",
        slot=slot,
        commitment=commitment,
    )


def changed(outcome: InvoiceChange | NoChange) -> InvoiceChange:
    assert isinstance(outcome, InvoiceChange), outcome
    return outcome


# --- creation ------------------------------------------------------------------------


def test_open_invoice_has_methods_deadlines_and_defaults() -> None:
    inv = invoice()
    assert inv.status is S.NEW and inv.reason is None
    assert inv.expires_at == NOW + timedelta(minutes=15)
    assert inv.monitoring_until == inv.expires_at + timedelta(hours=24)
    assert inv.tolerance_percent == 0
    amounts = {m.currency: m.amount_base_units for m in inv.methods}
    assert amounts == {"USDC": 25_000_000, "USDT": 25_000_000, "SOL": 166_666_667}
    sol = inv.method("SOL")
    assert sol is not None and sol.quote == quote()


def test_sol_withdrawn_with_a_reason_leaves_stablecoins() -> None:
    inv = open_invoice(
        invoice_id=uuid.uuid4(),
        order_id=uuid.uuid4(),
        reference=REFERENCE_2,
        price_usd=Decimal("25"),
        now=NOW,
        sol_withdrawn_reason="quote stale",
    )
    assert [m.currency for m in inv.methods] == ["USDC", "USDT"]
    assert inv.sol_withdrawn_reason == "quote stale"
    with pytest.raises(CurrencyNotAccepted) as err:
        inv.observe_transfer(tx(currency="SOL", amount=1), now=NOW)
    assert isinstance(err.value, InvalidInput) and "quote stale" in err.value.message
    assert inv.transfers == {}


def test_sol_needs_a_quote_or_a_reason() -> None:
    with pytest.raises(ValueError, match="withdrawn"):
        open_invoice(
            invoice_id=uuid.uuid4(),
            order_id=uuid.uuid4(),
            reference=REFERENCE,
            price_usd=Decimal("25"),
            now=NOW,
        )


@pytest.mark.parametrize("reference", ["", "0OIl" * 11, "1" * 31, "z" * 44, "not base58!"])
def test_reference_must_be_a_base58_32_byte_key(reference: str) -> None:
    with pytest.raises(ValueError, match="reference"):
        open_invoice(
            invoice_id=uuid.uuid4(),
            order_id=uuid.uuid4(),
            reference=reference,
            price_usd=Decimal("25"),
            now=NOW,
            sol_quote=quote(),
        )


def test_naive_now_and_float_amounts_are_refused() -> None:
    inv = invoice()
    with pytest.raises(ValueError, match="timezone-aware"):
        inv.expire(now=datetime(2025, 3, 1, 13, 0))
    with pytest.raises(TypeError, match="int"):
        tx(amount=25.0)  # type: ignore[arg-type]


def test_a_method_that_does_not_cover_the_price_is_refused() -> None:
    inv = invoice()
    sol = inv.method("SOL")
    assert sol is not None
    from dataclasses import replace

    with pytest.raises(ValueError, match="does not match"):
        replace(inv, methods=(replace(sol, amount_base_units=166_666_666),))


# --- commitment steps, idempotency, exactly once -------------------------------------


def test_detected_then_confirmed_then_finalized_settles_once() -> None:
    inv = invoice()
    first = changed(inv.observe_transfer(tx(commitment=C.PROCESSED), now=NOW))
    assert (first.from_status, first.to_status) == (S.NEW, S.PROCESSING)
    assert first.events == (E.PAYMENT_DETECTED,)
    second = changed(inv.observe_transfer(tx(commitment=C.CONFIRMED), now=NOW))
    assert second.events == (E.PAYMENT_CONFIRMED,) and second.to_status is S.PROCESSING
    third = changed(inv.observe_transfer(tx(), now=NOW))
    assert (third.to_status, third.to_reason) == (S.SETTLED, None)
    assert third.events == (E.PAYMENT_FINALIZED,)
    assert inv.finalized_signature == SIG
    assert [(h.from_status, h.to_status) for h in inv.history] == [
        (S.NEW, S.PROCESSING),
        (S.PROCESSING, S.SETTLED),
    ]


def test_first_seen_finalized_passes_every_step_at_once() -> None:
    inv = invoice()
    out = changed(inv.observe_transfer(tx(), now=NOW))
    assert out.events == (E.PAYMENT_DETECTED, E.PAYMENT_CONFIRMED, E.PAYMENT_FINALIZED)
    assert out.transfer == tx()


@pytest.mark.parametrize("again", [C.PROCESSED, C.CONFIRMED, C.FINALIZED])
def test_repeated_observation_at_same_or_lower_commitment_changes_nothing(
    again: Commitment,
) -> None:
    inv = invoice()
    inv.observe_transfer(tx(), now=NOW)
    history = list(inv.history)
    out = inv.observe_transfer(tx(commitment=again), now=NOW + timedelta(seconds=5))
    assert isinstance(out, NoChange) and out.status is S.SETTLED
    assert inv.history == history


def test_repeated_confirmed_is_idempotent() -> None:
    inv = invoice()
    inv.observe_transfer(tx(commitment=C.CONFIRMED), now=NOW)
    assert isinstance(inv.observe_transfer(tx(commitment=C.CONFIRMED), now=NOW), NoChange)
    assert isinstance(inv.observe_transfer(tx(commitment=C.PROCESSED), now=NOW), NoChange)


def test_a_signature_reported_with_other_facts_is_a_conflict() -> None:
    inv = invoice()
    inv.observe_transfer(tx(commitment=C.CONFIRMED), now=NOW)
    with pytest.raises(TransferMismatch) as err:
        inv.observe_transfer(tx(amount=1), now=NOW)
    assert isinstance(err.value, Conflict) and err.value.code == "transfer_mismatch"
    assert inv.transfers[SIG].transfer.commitment is C.CONFIRMED


def test_finalized_is_published_exactly_once_even_with_more_money() -> None:
    inv = invoice()
    inv.observe_transfer(tx(), now=NOW)
    extra = changed(inv.observe_transfer(tx(signature="6" * 88, amount=1_000_000), now=NOW))
    assert extra.events == (E.PAYMENT_DETECTED, E.PAYMENT_CONFIRMED, E.INVOICE_OVERPAID)
    assert (extra.to_status, extra.to_reason) == (S.SETTLED, R.PAID_OVER)
    assert inv.finalized_signature == SIG


# --- fork rollback -------------------------------------------------------------------


def test_a_dropped_confirmed_transfer_takes_the_invoice_back_to_new() -> None:
    inv = invoice()
    inv.observe_transfer(tx(commitment=C.CONFIRMED), now=NOW)
    out = changed(inv.drop_transfer(SIG, now=NOW + timedelta(seconds=3)))
    assert (out.from_status, out.to_status, out.events) == (S.PROCESSING, S.NEW, ())
    assert inv.transfers == {} and [d.signature for d in inv.dropped] == [SIG]
    # It may land again in another block: seen afresh.
    again = changed(inv.observe_transfer(tx(slot=101), now=NOW + timedelta(seconds=4)))
    assert again.to_status is S.SETTLED and E.PAYMENT_FINALIZED in again.events


def test_dropping_one_of_two_transfers_keeps_processing() -> None:
    inv = invoice()
    inv.observe_transfer(tx(commitment=C.CONFIRMED), now=NOW)
    inv.observe_transfer(tx(signature="6" * 88, commitment=C.PROCESSED), now=NOW)
    out = changed(inv.drop_transfer(SIG, now=NOW))
    assert out.to_status is S.PROCESSING


def test_dropping_after_partial_finalized_keeps_paid_partial() -> None:
    inv = invoice()
    inv.observe_transfer(tx(amount=10_000_000), now=NOW)
    inv.observe_transfer(tx(signature="6" * 88, commitment=C.CONFIRMED), now=NOW)
    out = changed(inv.drop_transfer("6" * 88, now=NOW))
    assert (out.to_status, out.to_reason) == (S.PROCESSING, R.PAID_PARTIAL)


def test_a_finalized_transfer_cannot_be_dropped_and_unknown_is_a_no_op() -> None:
    inv = invoice()
    inv.observe_transfer(tx(), now=NOW)
    with pytest.raises(TransferFinalized) as err:
        inv.drop_transfer(SIG, now=NOW)
    assert err.value.code == "transfer_finalized" and inv.status is S.SETTLED
    assert isinstance(inv.drop_transfer("7" * 88, now=NOW), NoChange)


# --- tolerance, underpaid, overpaid --------------------------------------------------


def test_underpaid_stays_processing_with_paid_partial_once_then_a_top_up_settles() -> None:
    inv = invoice()
    first = changed(inv.observe_transfer(tx(amount=10_000_000), now=NOW))
    assert (first.to_status, first.to_reason) == (S.PROCESSING, R.PAID_PARTIAL)
    assert first.events[-1] is E.INVOICE_UNDERPAID
    second = changed(inv.observe_transfer(tx(signature="6" * 88, amount=5_000_000), now=NOW))
    assert E.INVOICE_UNDERPAID not in second.events and second.to_reason is R.PAID_PARTIAL
    third = changed(inv.observe_transfer(tx(signature="7" * 88, amount=10_000_000), now=NOW))
    assert (third.to_status, third.to_reason) == (S.SETTLED, None)
    assert third.events[-1] is E.PAYMENT_FINALIZED


@pytest.mark.parametrize(
    ("amount", "status", "reason", "last_event"),
    [
        (24_750_000, S.SETTLED, None, E.PAYMENT_FINALIZED),  # exactly price - 1%
        (24_749_999, S.PROCESSING, R.PAID_PARTIAL, E.INVOICE_UNDERPAID),  # one unit short
        (25_250_000, S.SETTLED, None, E.PAYMENT_FINALIZED),  # exactly price + 1%
        (25_250_001, S.SETTLED, R.PAID_OVER, E.INVOICE_OVERPAID),  # one unit over
    ],
)
def test_tolerance_limits_are_inclusive(
    amount: int, status: InvoiceStatus, reason: InvoiceReason | None, last_event: E
) -> None:
    inv = invoice(tolerance="1")
    out = changed(inv.observe_transfer(tx(amount=amount, currency="USDT"), now=NOW))
    assert (out.to_status, out.to_reason, out.events[-1]) == (status, reason, last_event)


def test_zero_tolerance_needs_the_exact_amount() -> None:
    short = invoice()
    assert (
        changed(short.observe_transfer(tx(amount=24_999_999), now=NOW)).to_reason is R.PAID_PARTIAL
    )
    over = invoice()
    out = changed(over.observe_transfer(tx(amount=25_000_001), now=NOW))
    assert out.events == (
        E.PAYMENT_DETECTED,
        E.PAYMENT_CONFIRMED,
        E.PAYMENT_FINALIZED,
        E.INVOICE_OVERPAID,
    )


# --- several transfers, mixed currencies ---------------------------------------------


def test_exactly_the_sol_amount_asked_settles() -> None:
    inv = invoice()
    out = changed(inv.observe_transfer(tx(currency="SOL", amount=166_666_667), now=NOW))
    assert (out.to_status, out.to_reason) == (S.SETTLED, None)


def test_usdc_usdt_and_sol_add_up_at_one_to_one_and_the_locked_rate() -> None:
    inv = invoice()
    inv.observe_transfer(tx(amount=10_000_000, signature="6" * 88), now=NOW)  # 10 USDC
    inv.observe_transfer(tx(amount=5_000_000, currency="USDT", signature="7" * 88), now=NOW)
    # 10 USD of SOL at 150 USD/SOL = 0.0666666666... SOL: 66_666_667 lamports covers it.
    assert inv.finalized_total_usd() == Decimal("15")
    out = changed(inv.observe_transfer(tx(currency="SOL", amount=66_666_667), now=NOW))
    assert (out.to_status, out.to_reason) == (S.SETTLED, None)
    assert inv.finalized_total_usd() == Decimal("25.00000005")


def test_mixed_currencies_one_lamport_short_is_underpaid() -> None:
    inv = invoice()
    inv.observe_transfer(tx(amount=10_000_000, signature="6" * 88), now=NOW)
    # 15 USD at 150 = 0.1 SOL exactly; one lamport less is short.
    out = changed(inv.observe_transfer(tx(currency="SOL", amount=99_999_999), now=NOW))
    assert out.to_reason is R.PAID_PARTIAL
    assert inv.finalized_total_usd() == Decimal("24.99999985")


def test_only_finalized_transfers_count() -> None:
    inv = invoice()
    inv.observe_transfer(tx(amount=25_000_000, commitment=C.CONFIRMED), now=NOW)
    assert inv.finalized_total_usd() == 0 and inv.status is S.PROCESSING


# --- expiry --------------------------------------------------------------------------


def test_a_new_invoice_expires_at_expires_at_not_before() -> None:
    inv = invoice()
    early = inv.expire(now=inv.expires_at - timedelta(microseconds=1))
    assert isinstance(early, NoChange) and inv.status is S.NEW
    out = changed(inv.expire(now=inv.expires_at))
    assert (out.to_status, out.events) == (S.EXPIRED, (E.INVOICE_EXPIRED,))
    assert isinstance(inv.expire(now=inv.expires_at), NoChange)


def test_processing_with_a_transfer_that_may_finalize_is_not_expired() -> None:
    inv = invoice()
    inv.observe_transfer(tx(commitment=C.CONFIRMED), now=NOW)
    out = inv.expire(now=inv.expires_at + timedelta(minutes=5))
    assert isinstance(out, NoChange) and "may still finalize" in out.why
    # It finalizes after expiry: paid in time, settles normally.
    done = changed(inv.observe_transfer(tx(), now=inv.expires_at + timedelta(minutes=6)))
    assert (done.to_status, done.to_reason) == (S.SETTLED, None)


def test_processing_stuck_until_monitoring_until_expires() -> None:
    inv = invoice()
    inv.observe_transfer(tx(commitment=C.CONFIRMED), now=NOW)
    out = changed(inv.expire(now=inv.monitoring_until))
    assert out.to_status is S.EXPIRED


def test_a_partially_paid_invoice_expires_keeping_paid_partial() -> None:
    inv = invoice()
    inv.observe_transfer(tx(amount=10_000_000), now=NOW)
    out = changed(inv.expire(now=inv.expires_at))
    assert (out.to_status, out.to_reason) == (S.EXPIRED, R.PAID_PARTIAL)


def test_settled_invoice_does_not_expire() -> None:
    inv = invoice()
    inv.observe_transfer(tx(), now=NOW)
    assert isinstance(inv.expire(now=inv.monitoring_until), NoChange)


# --- late payments -------------------------------------------------------------------


def test_late_stablecoin_inside_the_window_settles_paid_late() -> None:
    inv = invoice()
    late = inv.expires_at + timedelta(hours=1)
    out = changed(inv.observe_transfer(tx(currency="USDT"), now=late))
    # The sweeper had not run: the observation expires it first.
    assert out.events == (
        E.INVOICE_EXPIRED,
        E.PAYMENT_DETECTED,
        E.PAYMENT_CONFIRMED,
        E.PAYMENT_FINALIZED,
        E.INVOICE_PAID_LATE,
    )
    assert (out.from_status, out.to_status, out.to_reason) == (S.NEW, S.SETTLED, R.PAID_LATE)


def test_late_detected_transfer_leaves_the_invoice_expired_until_final() -> None:
    inv = invoice()
    inv.expire(now=inv.expires_at)
    late = inv.expires_at + timedelta(minutes=1)
    out = changed(inv.observe_transfer(tx(commitment=C.CONFIRMED), now=late))
    assert out.to_status is S.EXPIRED
    assert out.events == (E.PAYMENT_DETECTED, E.PAYMENT_CONFIRMED)
    # A fork drops it: nothing to go back to, still expired.
    assert changed(inv.drop_transfer(SIG, now=late)).to_status is S.EXPIRED


def test_late_short_payment_waits_for_staff() -> None:
    inv = invoice()
    inv.expire(now=inv.expires_at)
    out = changed(inv.observe_transfer(tx(amount=1_000_000), now=inv.expires_at))
    assert (out.to_status, out.to_reason) == (S.EXPIRED, R.PAID_LATE)
    assert out.events[-1] is E.INVOICE_PAID_LATE
    assert out.review is not None and out.review.kind is ReviewKind.LATE_SHORT
    assert inv.reviews == [out.review]


def test_late_top_up_of_a_partial_payment_settles_paid_late() -> None:
    inv = invoice()
    inv.observe_transfer(tx(amount=20_000_000, signature="6" * 88), now=NOW)
    inv.expire(now=inv.expires_at)
    out = changed(inv.observe_transfer(tx(amount=5_000_000), now=inv.expires_at))
    assert (out.to_status, out.to_reason) == (S.SETTLED, R.PAID_LATE)
    assert E.PAYMENT_FINALIZED in out.events


def test_late_sol_settles_only_against_a_fresh_quote_that_it_covers() -> None:
    late = NOW + timedelta(hours=2)
    # SOL fell to 100 USD: the locked 166_666_667 lamports are only 16.67 USD now.
    fresh_low = quote(Decimal("100"), at=late)
    inv = invoice()
    out = changed(
        inv.observe_transfer(
            tx(currency="SOL", amount=166_666_667), now=late, fresh_sol_quote=fresh_low
        )
    )
    assert (out.to_status, out.to_reason) == (S.EXPIRED, R.PAID_LATE)
    assert out.review is not None and out.review.kind is ReviewKind.LATE_SHORT
    # SOL rose to 200 USD: the same lamports are worth 33.33 USD, the fresh quote covers.
    inv = invoice()
    fresh_high = quote(Decimal("200"), at=late - timedelta(seconds=30))
    out = changed(
        inv.observe_transfer(
            tx(currency="SOL", amount=166_666_667), now=late, fresh_sol_quote=fresh_high
        )
    )
    assert (out.to_status, out.to_reason) == (S.SETTLED, R.PAID_LATE)
    assert out.events[-3:] == (E.PAYMENT_FINALIZED, E.INVOICE_PAID_LATE, E.INVOICE_OVERPAID)


@pytest.mark.parametrize("age", [None, timedelta(minutes=2)])
def test_late_sol_without_a_fresh_quote_waits_for_staff(age: timedelta | None) -> None:
    late = NOW + timedelta(hours=2)
    fresh = None if age is None else quote(Decimal("200"), at=late - age)
    inv = invoice()
    out = changed(
        inv.observe_transfer(
            tx(currency="SOL", amount=166_666_667), now=late, fresh_sol_quote=fresh
        )
    )
    assert (out.to_status, out.to_reason) == (S.EXPIRED, R.PAID_LATE)
    assert out.review is not None and out.review.kind is ReviewKind.LATE_SOL_NEEDS_QUOTE
    assert out.events[-1] is E.INVOICE_PAID_LATE and E.PAYMENT_FINALIZED not in out.events


def test_after_the_monitoring_window_money_is_recorded_and_the_invoice_stays_expired() -> None:
    inv = invoice()
    out = changed(inv.observe_transfer(tx(), now=inv.monitoring_until))
    assert (out.to_status, out.to_reason) == (S.EXPIRED, R.PAID_LATE)
    assert out.review is not None and out.review.kind is ReviewKind.AFTER_WINDOW
    assert E.PAYMENT_FINALIZED not in out.events and out.events[-1] is E.INVOICE_PAID_LATE
    assert inv.finalized_signature is None


def test_a_transfer_seen_just_inside_the_window_counts_as_late() -> None:
    inv = invoice()
    just_inside = inv.monitoring_until - timedelta(microseconds=1)
    out = changed(inv.observe_transfer(tx(), now=just_inside))
    assert (out.to_status, out.to_reason) == (S.SETTLED, R.PAID_LATE)


# --- cancel and staff ----------------------------------------------------------------


@pytest.mark.parametrize("setup", ["new", "processing", "expired"])
def test_cancel_closes_an_unsettled_invoice(setup: str) -> None:
    inv = invoice()
    if setup == "processing":
        inv.observe_transfer(tx(commitment=C.CONFIRMED), now=NOW)
    elif setup == "expired":
        inv.expire(now=inv.expires_at)
    out = changed(inv.cancel(now=NOW + timedelta(minutes=1)))
    assert out.to_status is S.INVALID and out.events == ()
    assert inv.cancelled_at == NOW + timedelta(minutes=1)
    assert isinstance(inv.cancel(now=NOW + timedelta(minutes=2)), NoChange)


def test_money_after_cancel_goes_to_staff_and_never_settles() -> None:
    inv = invoice()
    inv.observe_transfer(tx(commitment=C.CONFIRMED), now=NOW)
    inv.cancel(now=NOW)
    out = changed(inv.observe_transfer(tx(), now=NOW + timedelta(seconds=10)))
    assert out.to_status is S.INVALID and out.events == (E.INVOICE_PAID_LATE,)
    assert out.review is not None and out.review.kind is ReviewKind.AFTER_CLOSE
    fresh = changed(inv.observe_transfer(tx(signature="6" * 88), now=NOW))
    assert fresh.review is not None and fresh.review.kind is ReviewKind.AFTER_CLOSE
    with pytest.raises(InvoiceCancelled) as err:
        inv.mark_settled(by="staff:a@example.com", reason="took it", now=NOW)
    assert isinstance(err.value, Conflict) and err.value.code == "invoice_cancelled"


def test_cancel_of_a_settled_invoice_changes_nothing() -> None:
    inv = invoice()
    inv.observe_transfer(tx(), now=NOW)
    assert isinstance(inv.cancel(now=NOW), NoChange) and inv.cancelled_at is None


def test_staff_mark_settled_an_expired_invoice() -> None:
    inv = invoice()
    inv.expire(now=inv.expires_at)
    out = changed(inv.mark_settled(by="staff:a@example.com", reason="paid by wire", now=NOW))
    assert (out.to_status, out.to_reason) == (S.SETTLED, R.MARKED)
    assert out.events == (E.INVOICE_MARKED_SETTLED,)
    assert inv.history[-1].actor == "staff:a@example.com"
    assert inv.history[-1].note == "paid by wire"
    assert isinstance(inv.mark_settled(by="staff:a", reason="again", now=NOW), NoChange)


def test_staff_mark_invalid_then_settled_is_allowed() -> None:
    inv = invoice()
    out = changed(inv.mark_invalid(by="staff:a", reason="fraud suspected", now=NOW))
    assert (out.to_status, out.to_reason, out.events) == (
        S.INVALID,
        R.MARKED,
        (E.INVOICE_MARKED_INVALID,),
    )
    assert isinstance(inv.mark_invalid(by="staff:a", reason="again", now=NOW), NoChange)
    assert changed(inv.mark_settled(by="staff:a", reason="cleared", now=NOW)).to_status is S.SETTLED


def test_marking_a_settled_invoice_invalid_is_a_conflict() -> None:
    inv = invoice()
    inv.observe_transfer(tx(), now=NOW)
    with pytest.raises(IllegalInvoiceTransition) as err:
        inv.mark_invalid(by="staff:a", reason="oops", now=NOW)
    assert isinstance(err.value, Conflict) and err.value.code == "illegal_invoice_transition"
    assert inv.status is S.SETTLED


@pytest.mark.parametrize(("by", "reason"), [("", "why"), ("staff:a", " ")])
def test_staff_actions_need_an_actor_and_a_reason(by: str, reason: str) -> None:
    with pytest.raises(InvalidStaffAction) as err:
        invoice().mark_invalid(by=by, reason=reason, now=NOW)
    assert isinstance(err.value, InvalidInput) and err.value.code == "invalid_staff_action"


def test_one_lamport_more_than_asked_is_an_overpayment() -> None:
    inv = invoice()
    out = changed(inv.observe_transfer(tx(currency="SOL", amount=166_666_668), now=NOW))
    assert (out.to_status, out.to_reason) == (S.SETTLED, R.PAID_OVER)
