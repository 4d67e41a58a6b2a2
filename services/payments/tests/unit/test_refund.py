"""Refunds: what may be refunded and to whom, the excess of an overpayment, the URL staff
sign, and the refund's own lifecycle (sent by the watcher, cancelled by staff)."""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from walletreports.kit.errors import Conflict, InvalidInput
from walletreports.payments.domain import (
    Commitment,
    Currency,
    IllegalRefundTransition,
    InvalidRefundRequest,
    Invoice,
    InvoiceReason,
    InvoiceStatus,
    Refund,
    RefundAlreadySent,
    RefundChange,
    RefundEventName,
    RefundExceedsReceived,
    RefundNoChange,
    RefundNoLatePayment,
    RefundNoPayer,
    RefundNothingReceived,
    RefundNotOverpaid,
    RefundNotSettled,
    RefundReason,
    RefundShort,
    RefundStatus,
    SolQuote,
    Transfer,
    open_invoice,
    overpayment_excess,
    parse_transfer_request_url,
    refund_url,
    request_refund,
)

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)
INVOICE_REFERENCE = "11111111111111111111111111111111"
RATE = Decimal("150")  # USD per SOL: 25 USD asks 166_666_667 lamports (rounded up)
PAYER = str(Keypair.from_seed(bytes([1] * 32)).pubkey())
OTHER_PAYER = str(Keypair.from_seed(bytes([2] * 32)).pubkey())
STAFF = "staff:ops@example.com"
SIG = "5" * 88
OTHER_SIG = "4" * 88

C = Commitment
R = RefundReason
Cur = Currency


def fresh_reference(n: int = 1) -> str:
    return str(Pubkey(bytes([n] * 32)))


def invoice(price: str = "25", tolerance: str = "0", rate: Decimal = RATE) -> Invoice:
    quote = SolQuote(usd_per_sol=rate, confidence=Decimal("0.05"), source="fixed", published_at=NOW)
    return open_invoice(
        invoice_id=uuid.uuid4(),
        order_id=uuid.uuid4(),
        reference=INVOICE_REFERENCE,
        price_usd=Decimal(price),
        now=NOW,
        sol_quote=quote,
        tolerance_percent=Decimal(tolerance),
    )


def pay(
    inv: Invoice,
    amount: int,
    currency: str = "USDC",
    *,
    at: datetime = NOW,
    commitment: Commitment = C.FINALIZED,
    signature: str | None = None,
    slot: int | None = None,
    payer: str | None = PAYER,
) -> Transfer:
    """Observe one transfer (a fresh signature and a later slot unless given)."""
    n = len(inv.transfers) + len(inv.dropped) + 1
    transfer = Transfer(
        signature=signature or f"sig{n}",
        currency=currency,  # type: ignore[arg-type]
        amount_base_units=amount,
        payer=payer,
        slot=100 + n if slot is None else slot,
        commitment=commitment,
    )
    inv.observe_transfer(transfer, now=at)
    return transfer


def ask(
    inv: Invoice,
    amount: int,
    *,
    reason: RefundReason = R.STAFF_DECISION,
    currency: Currency = Cur.USDC,
    existing: Sequence[Refund] = (),
    reference: str | None = None,
    note: str = "customer asked",
    by: str = STAFF,
    now: datetime = LATER,
) -> Refund:
    refund, _ = request_refund(
        inv,
        refund_id=uuid.uuid4(),
        reference=reference or fresh_reference(len(existing) + 1),
        currency=currency,
        amount_base_units=amount,
        reason=reason,
        note=note,
        by=by,
        now=now,
        existing=existing,
    )
    return refund


def settled(amount: int = 25_000_000, currency: str = "USDC", tolerance: str = "0") -> Invoice:
    inv = invoice(tolerance=tolerance)
    pay(inv, amount, currency)
    assert inv.status is InvoiceStatus.SETTLED
    return inv


def expired_with_late_short_usdc() -> Invoice:
    """Expired unpaid, then 10 USDC late: short, so it waits for staff (a review)."""
    inv = invoice()
    pay(inv, 10_000_000, at=inv.expires_at + timedelta(minutes=1))
    assert inv.status is InvoiceStatus.EXPIRED and len(inv.reviews) == 1
    return inv


# --- requesting: the happy path ------------------------------------------------------


def test_an_overpayment_refund_goes_to_the_payer_with_its_own_reference() -> None:
    inv = settled(30_000_000)
    assert inv.reason is InvoiceReason.PAID_OVER
    refund, change = request_refund(
        inv,
        refund_id=(refund_id := uuid.uuid4()),
        reference=fresh_reference(),
        currency=Cur.USDC,
        amount_base_units=5_000_000,
        reason=R.OVERPAYMENT,
        note="paid 30 for 25",
        by=STAFF,
        now=LATER,
        existing=(),
    )
    assert (refund.id, refund.invoice_id, refund.order_id) == (refund_id, inv.id, inv.order_id)
    assert (refund.currency, refund.amount_base_units, refund.recipient) == (
        Cur.USDC,
        5_000_000,
        PAYER,
    )
    assert refund.reference == fresh_reference() != inv.reference
    assert (refund.reason, refund.note, refund.requested_by) == (
        R.OVERPAYMENT,
        "paid 30 for 25",
        STAFF,
    )
    assert refund.requested_at == LATER
    assert refund.status is RefundStatus.REQUESTED
    assert (refund.signature, refund.sent_at, refund.sent_amount_base_units) == (None, None, None)
    assert change == RefundChange(
        refund_id,
        None,
        RefundStatus.REQUESTED,
        LATER,
        STAFF,
        "paid 30 for 25",
        (RefundEventName.REFUND_REQUESTED,),
    )
    assert RefundEventName.REFUND_REQUESTED.value == "refund.requested"


def test_the_system_may_request_an_analysis_failed_refund_of_a_settled_invoice() -> None:
    inv = settled()
    refund = ask(inv, 25_000_000, reason=R.ANALYSIS_FAILED, by="system", note="dune failed")
    assert refund.requested_by == "system" and refund.amount_base_units == 25_000_000


def test_reasons_and_statuses_have_their_wire_values() -> None:
    assert [r.value for r in RefundReason] == [
        "overpayment",
        "late_payment",
        "staff_decision",
        "analysis_failed",
    ]
    assert [s.value for s in RefundStatus] == ["requested", "sent", "cancelled"]


# --- requesting: the reason must fit the invoice --------------------------------------


def test_an_overpayment_refund_needs_a_paid_over_invoice() -> None:
    with pytest.raises(RefundNotOverpaid) as err:
        ask(settled(), 1, reason=R.OVERPAYMENT)
    assert isinstance(err.value, Conflict)
    assert (err.value.code, err.value.field) == ("refund_not_overpaid", "reason")


def test_a_late_payment_refund_needs_a_review_in_that_currency() -> None:
    inv = expired_with_late_short_usdc()
    assert ask(inv, 10_000_000, reason=R.LATE_PAYMENT).amount_base_units == 10_000_000
    pay(inv, 1_000_000, "USDT", at=inv.expires_at + timedelta(minutes=2))  # reviewed too
    ask(inv, 1_000_000, reason=R.LATE_PAYMENT, currency=Cur.USDT)
    with pytest.raises(RefundNoLatePayment) as err:
        ask(settled(), 1, reason=R.LATE_PAYMENT)
    assert isinstance(err.value, Conflict) and err.value.code == "refund_no_late_payment"


def test_a_late_payment_review_in_another_currency_does_not_count() -> None:
    inv = expired_with_late_short_usdc()
    with pytest.raises(RefundNoLatePayment):
        ask(inv, 1, reason=R.LATE_PAYMENT, currency=Cur.USDT)


def test_money_after_a_cancelled_order_is_refundable_as_late_or_analysis_failed() -> None:
    inv = invoice()
    inv.cancel(now=NOW)
    pay(inv, 25_000_000)
    assert inv.status is InvoiceStatus.INVALID and inv.reviews
    ask(inv, 25_000_000, reason=R.LATE_PAYMENT)
    ask(inv, 25_000_000, reason=R.ANALYSIS_FAILED)
    ask(inv, 25_000_000, reason=R.STAFF_DECISION)


def test_analysis_failed_needs_a_settled_invoice_or_reviews() -> None:
    inv = invoice()
    pay(inv, 10_000_000)  # partial, still open
    with pytest.raises(RefundNotSettled) as err:
        ask(inv, 10_000_000, reason=R.ANALYSIS_FAILED)
    assert isinstance(err.value, Conflict) and err.value.code == "refund_not_settled"
    inv.expire(now=inv.monitoring_until)
    assert inv.status is InvoiceStatus.EXPIRED and not inv.reviews
    with pytest.raises(RefundNotSettled):
        ask(inv, 10_000_000, reason=R.ANALYSIS_FAILED)


def test_staff_may_refund_a_partial_payment_once_the_invoice_is_closed_not_while_open() -> None:
    inv = invoice()
    pay(inv, 10_000_000)
    assert inv.status is InvoiceStatus.PROCESSING
    with pytest.raises(RefundNotSettled, match="may yet settle"):
        ask(inv, 10_000_000)
    inv.expire(now=inv.monitoring_until)
    assert ask(inv, 10_000_000).amount_base_units == 10_000_000


@pytest.mark.parametrize("reason", list(RefundReason))
def test_an_invoice_with_no_finalized_money_has_nothing_to_refund(reason: RefundReason) -> None:
    inv = invoice()
    with pytest.raises(RefundNothingReceived) as err:
        ask(inv, 1, reason=reason)
    assert isinstance(err.value, Conflict) and err.value.code == "refund_nothing_received"
    pay(inv, 25_000_000, commitment=C.CONFIRMED)  # seen, but not money yet
    with pytest.raises(RefundNothingReceived):
        ask(inv, 1, reason=reason)


# --- requesting: never more than was received -----------------------------------------


def test_a_refund_may_not_exceed_what_was_received_in_that_currency() -> None:
    inv = settled()
    with pytest.raises(RefundExceedsReceived) as err:
        ask(inv, 25_000_001)
    error = err.value
    assert isinstance(error, Conflict) and error.code == "refund_exceeds_received"
    assert error.field == "amount_base_units"
    assert error.as_dict()["refundable_base_units"] == 25_000_000
    assert error.as_dict()["received_base_units"] == 25_000_000
    assert "25 USDC refundable" in error.message
    assert ask(inv, 25_000_000).amount_base_units == 25_000_000


def test_nothing_is_refundable_in_a_currency_that_was_not_paid() -> None:
    with pytest.raises(RefundExceedsReceived) as err:
        ask(settled(), 1, currency=Cur.USDT)
    assert err.value.refundable_base_units == 0


def test_two_refunds_cannot_together_exceed_what_was_received() -> None:
    inv = settled()
    first = ask(inv, 20_000_000)
    with pytest.raises(RefundExceedsReceived) as err:
        ask(inv, 6_000_000, existing=[first])
    assert err.value.refundable_base_units == 5_000_000
    second = ask(inv, 5_000_000, existing=[first])
    with pytest.raises(RefundExceedsReceived) as err:
        ask(inv, 1, existing=[first, second])
    assert err.value.refundable_base_units == 0


def test_a_cancelled_refund_frees_its_amount_again() -> None:
    inv = settled()
    first = ask(inv, 25_000_000)
    with pytest.raises(RefundExceedsReceived):
        ask(inv, 1, existing=[first])
    first.cancel(STAFF, "wrong amount", LATER)
    assert ask(inv, 25_000_000, existing=[first]).amount_base_units == 25_000_000


def test_a_sent_refund_takes_what_it_actually_sent() -> None:
    inv = settled()
    first = ask(inv, 10_000_000)
    first.mark_sent(SIG, 12_000_000, LATER)  # the wallet sent more than asked
    with pytest.raises(RefundExceedsReceived) as err:
        ask(inv, 13_000_001, existing=[first])
    assert err.value.refundable_base_units == 13_000_000


def test_currencies_are_refunded_separately() -> None:
    inv = invoice()
    pay(inv, 10_000_000, "USDC")
    pay(inv, 15_000_000, "USDT")
    assert inv.status is InvoiceStatus.SETTLED
    usdc = ask(inv, 10_000_000, currency=Cur.USDC)
    usdt = ask(inv, 15_000_000, currency=Cur.USDT, existing=[usdc])
    assert (usdt.currency, usdt.amount_base_units) == (Cur.USDT, 15_000_000)
    with pytest.raises(RefundExceedsReceived):
        ask(inv, 1, currency=Cur.USDC, existing=[usdc, usdt])


def test_late_and_after_settlement_money_is_refundable_too() -> None:
    inv = settled()
    pay(inv, 5_000_000)  # after settlement: an overpayment
    assert ask(inv, 30_000_000).amount_base_units == 30_000_000


# --- requesting: the recipient --------------------------------------------------------


def test_the_recipient_is_the_payer_of_the_newest_finalized_transfer_with_a_payer() -> None:
    inv = invoice()
    pay(inv, 10_000_000, payer=OTHER_PAYER, slot=200)
    pay(inv, 10_000_000, payer=PAYER, slot=150)  # seen later, but older on chain
    pay(inv, 5_000_000, payer=None, slot=300)  # newest, but names no payer
    pay(inv, 1_000_000, "USDT", payer=PAYER, slot=400)  # another currency
    pay(inv, 1_000_000, payer=PAYER, slot=500, commitment=C.CONFIRMED)  # not final
    assert ask(inv, 1, currency=Cur.USDC).recipient == OTHER_PAYER


def test_no_payer_means_nowhere_to_send_it() -> None:
    inv = invoice()
    pay(inv, 25_000_000, payer=None)
    with pytest.raises(RefundNoPayer) as err:
        ask(inv, 1)
    assert isinstance(err.value, Conflict)
    assert (err.value.code, err.value.field) == ("refund_no_payer", "currency")


# --- requesting: the request itself ---------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"note": ""}, "note"),
        ({"note": "  \n"}, "note"),
        ({"by": ""}, "by"),
        ({"by": "staff:"}, "by"),
        ({"by": "staff: "}, "by"),
        ({"by": "ops@example.com"}, "by"),
        ({"amount": 0}, "amount_base_units"),
        ({"amount": -5}, "amount_base_units"),
    ],
)
def test_a_request_needs_an_actor_a_note_and_a_positive_amount(
    kw: dict[str, object], field: str
) -> None:
    amount = kw.pop("amount", 1)
    with pytest.raises(InvalidRefundRequest) as err:
        ask(settled(), amount, **kw)  # type: ignore[arg-type]
    assert isinstance(err.value, InvalidInput)
    assert (err.value.code, err.value.field) == ("invalid_refund_request", field)


def test_float_amounts_and_naive_times_are_bugs() -> None:
    with pytest.raises(TypeError):
        ask(settled(), 1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timezone-aware"):
        ask(settled(), 1, now=datetime(2025, 3, 1, 12, 0))


def test_the_reference_must_be_fresh_and_existing_must_be_this_invoices() -> None:
    inv = settled()
    with pytest.raises(ValueError, match="fresh"):
        ask(inv, 1, reference=inv.reference)
    first = ask(inv, 1)
    with pytest.raises(ValueError, match="fresh"):
        ask(inv, 1, existing=[first], reference=first.reference)
    with pytest.raises(ValueError, match="base58"):
        ask(inv, 1, reference="not a key")
    other = ask(settled(), 1)
    with pytest.raises(ValueError, match="only invoice"):
        ask(inv, 1, existing=[other], reference=fresh_reference(9))


# --- the excess of an overpayment -----------------------------------------------------


def test_not_overpaid_has_no_excess() -> None:
    assert overpayment_excess(invoice()) is None
    assert overpayment_excess(settled()) is None
    partial = invoice()
    pay(partial, 1_000_000)
    assert overpayment_excess(partial) is None


def test_usdc_excess_is_over_the_price_not_over_the_tolerance() -> None:
    assert overpayment_excess(settled(30_000_000)) == (Cur.USDC, 5_000_000)
    inv = settled(26_000_000, tolerance="1")  # 1% allows up to 25.25
    assert inv.reason is InvoiceReason.PAID_OVER
    assert overpayment_excess(inv) == (Cur.USDC, 1_000_000)


def test_sol_excess_is_converted_at_the_locked_quote_and_rounded_down() -> None:
    inv = settled(200_000_000, "SOL")  # 0.2 SOL at 150 = 30 USD: 5 USD over
    # 5 / 150 SOL = 33_333_333.33... lamports: the third of a lamport stays.
    assert overpayment_excess(inv) == (Cur.SOL, 33_333_333)


def test_one_lamport_over_the_asked_amount_refunds_one_lamport() -> None:
    inv = settled(166_666_668, "SOL")  # asked 166_666_667: 25.0000002 USD
    # 0.0000002 USD over is 1.33 lamports: rounding up would refund more than was over.
    assert overpayment_excess(inv) == (Cur.SOL, 1)


def test_a_mixed_payment_is_refunded_in_the_currency_that_made_it_over() -> None:
    inv = invoice()
    pay(inv, 20_000_000, "USDC")
    pay(inv, 50_000_000, "SOL")  # 0.05 SOL = 7.5 USD: 27.5 in all, 2.5 over
    assert inv.reason is InvoiceReason.PAID_OVER
    assert overpayment_excess(inv) == (Cur.SOL, 16_666_666)  # 16_666_666.67 rounded down


def test_a_second_payment_after_settlement_is_all_excess_whatever_its_currency() -> None:
    inv = settled()
    pay(inv, 25_000_000)  # paid twice
    assert overpayment_excess(inv) == (Cur.USDC, 25_000_000)
    inv = settled()
    pay(inv, 100_000_000, "SOL")  # seen after settlement: no rate needed, all of it is over
    assert overpayment_excess(inv) == (Cur.SOL, 100_000_000)


def test_the_excess_is_capped_at_the_newest_transfer() -> None:
    inv = invoice()
    pay(inv, 5_000_000, commitment=C.CONFIRMED, signature="a", slot=101)
    pay(inv, 30_000_000, signature="b", slot=100)  # settles, paid_over
    pay(inv, 5_000_000, signature="a", slot=101)  # newest on chain, finalized later
    assert overpayment_excess(inv) == (Cur.USDC, 5_000_000)  # 10 over, capped at 5


def test_money_after_settlement_within_tolerance_refunds_only_what_is_over_the_price() -> None:
    inv = settled(23_000_000, tolerance="10")  # 23 of 25 accepted
    pay(inv, 5_000_000)
    assert overpayment_excess(inv) == (Cur.USDC, 3_000_000)
    inv = settled(23_000_000, tolerance="10")
    pay(inv, 100_000_000, "SOL")  # no rate kept for it, and part of it paid the price
    assert inv.reason is InvoiceReason.PAID_OVER and overpayment_excess(inv) is None


def test_the_excess_can_be_requested_as_an_overpayment_refund() -> None:
    inv = settled(200_000_000, "SOL")
    excess = overpayment_excess(inv)
    assert excess is not None
    refund = ask(inv, excess[1], currency=excess[0], reason=R.OVERPAYMENT)
    assert (refund.currency, refund.amount_base_units) == (Cur.SOL, 33_333_333)


prices = st.integers(min_value=1, max_value=100_000).map(lambda cents: Decimal(cents).scaleb(-2))
rates = st.integers(min_value=1, max_value=1_000_000).map(lambda c: Decimal(c).scaleb(-2))
payments = st.lists(
    st.tuples(st.sampled_from(["USDC", "USDT", "SOL"]), st.integers(1, 10**12)),
    min_size=1,
    max_size=4,
)


@given(prices, rates, st.sampled_from(["0", "1", "5"]), payments, st.booleans())
def test_the_excess_never_exceeds_the_transfer_or_the_overpaid_usd(
    price: Decimal,
    rate: Decimal,
    tolerance: str,
    paid: list[tuple[str, int]],
    seen_before_final: bool,
) -> None:
    inv = invoice(price=str(price), tolerance=tolerance, rate=rate)
    if seen_before_final:  # all first seen in time: every transfer valued at known rates
        for i, (currency, amount) in enumerate(paid):
            pay(inv, amount, currency, signature=f"s{i}", slot=i, commitment=C.CONFIRMED)
    for i, (currency, amount) in enumerate(paid):
        pay(inv, amount, currency, signature=f"s{i}", slot=i)
    excess = overpayment_excess(inv)
    if inv.reason is not InvoiceReason.PAID_OVER:
        assert excess is None
        return

    def usd_per_unit(currency: str) -> Fraction:
        coin = Fraction(1) if currency != "SOL" else Fraction(rate)
        units: int = 10 ** Currency(currency).decimals
        return coin / units

    # The locked rate stands in for a SOL transfer seen after settlement: any rate would do.
    overpaid = sum(a * usd_per_unit(c) for c, a in paid) - Fraction(price)
    last_currency, last_amount = paid[-1]
    if excess is not None:
        assert excess[0] == last_currency
        assert 0 < excess[1] <= last_amount
        assert excess[1] * usd_per_unit(last_currency) <= overpaid
    if seen_before_final:  # exact: what was over, rounded down to a base unit, capped
        expected = min(last_amount, math.floor(overpaid / usd_per_unit(last_currency)))
        assert (excess[1] if excess else 0) == max(expected, 0)


# --- the URL staff sign ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("currency", "amount"), [(Cur.USDC, 5_000_000), (Cur.USDT, 1), (Cur.SOL, 33_333_333)]
)
def test_the_refund_url_round_trips(currency: Currency, amount: int) -> None:
    inv = invoice()
    pay(inv, 200_000_000 if currency is Cur.SOL else 25_000_000, currency.value)
    refund = ask(inv, amount, currency=currency)
    url = refund_url(refund, merchant_label="Wallet Reports & Co")
    request = parse_transfer_request_url(url)
    assert str(request.recipient) == PAYER
    assert request.currency is currency and request.spl_token == currency.mint
    assert request.amount_base_units == amount
    assert [str(r) for r in request.references] == [refund.reference]
    assert request.label == "Wallet Reports & Co"
    assert request.message == f"Refund for order {inv.order_id}"
    assert request.memo == f"refund:{refund.id}"


# --- sent by the watcher --------------------------------------------------------------


def requested(amount: int = 10_000_000) -> Refund:
    return ask(settled(), amount)


def test_a_refund_is_sent_when_its_transfer_pays_it_in_full() -> None:
    refund = requested()
    change = refund.mark_sent(SIG, 10_000_000, LATER)
    assert isinstance(change, RefundChange)
    assert (change.refund_id, change.from_status, change.to_status) == (
        refund.id,
        RefundStatus.REQUESTED,
        RefundStatus.SENT,
    )
    assert change.events == (RefundEventName.REFUND_SENT,) and change.at == LATER
    assert RefundEventName.REFUND_SENT.value == "refund.sent"
    assert refund.status is RefundStatus.SENT
    assert (refund.signature, refund.sent_at, refund.sent_amount_base_units) == (
        SIG,
        LATER,
        10_000_000,
    )


def test_sending_more_than_asked_is_sent() -> None:
    refund = requested()
    refund.mark_sent(SIG, 10_000_001, LATER)
    assert refund.status is RefundStatus.SENT and refund.sent_amount_base_units == 10_000_001


def test_the_same_signature_again_changes_nothing() -> None:
    refund = requested()
    refund.mark_sent(SIG, 10_000_000, LATER)
    again = refund.mark_sent(SIG, 10_000_000, LATER + timedelta(minutes=1))
    assert isinstance(again, RefundNoChange) and again.status is RefundStatus.SENT
    assert refund.sent_at == LATER


def test_another_signature_or_amount_for_a_sent_refund_is_a_conflict() -> None:
    refund = requested()
    refund.mark_sent(SIG, 10_000_000, LATER)
    with pytest.raises(RefundAlreadySent) as err:
        refund.mark_sent(OTHER_SIG, 10_000_000, LATER)
    assert isinstance(err.value, Conflict)
    assert (err.value.code, err.value.field) == ("refund_already_sent", "signature")
    with pytest.raises(RefundAlreadySent):
        refund.mark_sent(SIG, 10_000_001, LATER)
    assert (refund.signature, refund.sent_amount_base_units) == (SIG, 10_000_000)


def test_a_short_transfer_is_refused_and_the_refund_stays_requested() -> None:
    refund = requested()
    with pytest.raises(RefundShort) as err:
        refund.mark_sent(SIG, 9_999_999, LATER)
    error = err.value
    assert isinstance(error, InvalidInput) and error.code == "refund_short"
    assert error.as_dict()["expected_base_units"] == 10_000_000
    assert error.as_dict()["sent_base_units"] == 9_999_999
    assert "9.999999 USDC of the 10 USDC" in error.message
    assert refund.status is RefundStatus.REQUESTED and refund.signature is None
    assert isinstance(refund.mark_sent(OTHER_SIG, 10_000_000, LATER), RefundChange)


def test_a_cancelled_refund_cannot_be_sent() -> None:
    refund = requested()
    refund.cancel(STAFF, "paid by wire instead", LATER)
    with pytest.raises(IllegalRefundTransition) as err:
        refund.mark_sent(SIG, 10_000_000, LATER)
    assert isinstance(err.value, Conflict) and err.value.code == "illegal_refund_transition"
    assert refund.status is RefundStatus.CANCELLED


def test_mark_sent_needs_a_signature_an_int_amount_and_an_aware_time() -> None:
    refund = requested()
    with pytest.raises(ValueError, match="signature"):
        refund.mark_sent("", 10_000_000, LATER)
    with pytest.raises(TypeError):
        refund.mark_sent(SIG, 10_000_000.0, LATER)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timezone-aware"):
        refund.mark_sent(SIG, 10_000_000, datetime(2025, 3, 1))
    assert refund.status is RefundStatus.REQUESTED


# --- cancelled by staff ---------------------------------------------------------------


def test_staff_cancel_a_requested_refund() -> None:
    refund = requested()
    change = refund.cancel(STAFF, "customer wants store credit", LATER)
    assert change == RefundChange(
        refund.id,
        RefundStatus.REQUESTED,
        RefundStatus.CANCELLED,
        LATER,
        STAFF,
        "customer wants store credit",
        (),
    )
    assert (refund.cancelled_by, refund.cancelled_at, refund.cancel_note) == (
        STAFF,
        LATER,
        "customer wants store credit",
    )
    again = refund.cancel(STAFF, "again", LATER)
    assert isinstance(again, RefundNoChange) and refund.cancel_note == "customer wants store credit"


def test_a_sent_refund_cannot_be_cancelled() -> None:
    refund = requested()
    refund.mark_sent(SIG, 10_000_000, LATER)
    with pytest.raises(IllegalRefundTransition, match="already sent"):
        refund.cancel(STAFF, "too late", LATER)
    assert refund.status is RefundStatus.SENT


@pytest.mark.parametrize(("by", "note"), [("", "why"), ("staff:a@b.c", " "), ("bob", "why")])
def test_a_cancel_needs_an_actor_and_a_note(by: str, note: str) -> None:
    refund = requested()
    with pytest.raises(InvalidRefundRequest):
        refund.cancel(by, note, LATER)
    assert refund.status is RefundStatus.REQUESTED


# --- the aggregate's own invariants (a row read back must make sense) ------------------


def test_a_refund_row_must_be_consistent_with_its_status() -> None:
    refund = requested()
    fields = {name: getattr(refund, name) for name in refund.__dataclass_fields__}
    with pytest.raises(ValueError, match="sent"):
        Refund(**fields | {"status": RefundStatus.SENT})
    with pytest.raises(ValueError, match="sent"):
        Refund(**fields | {"signature": SIG})
    with pytest.raises(ValueError, match="cancelled"):
        Refund(**fields | {"status": RefundStatus.CANCELLED})
    with pytest.raises(ValueError, match="recipient"):
        Refund(**fields | {"recipient": "nope"})
    with pytest.raises(ValueError, match="positive"):
        Refund(**fields | {"amount_base_units": 0})
    assert Refund(**fields).status is RefundStatus.REQUESTED
