"""refunding.* against the fake unit of work: staff ask for and withdraw refunds, the
system refunds a failed analysis once, and the watcher's refund transactions (judged on
hand-built getTransaction answers) mark a refund sent only at finality and only when
the merchant paid it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from walletreports.contracts.payments import RefundRequested, RefundSent
from walletreports.kit.errors import Conflict, InvalidInput, NotFound
from walletreports.payments.domain import (
    Commitment,
    Currency,
    IllegalRefundTransition,
    InvalidRefundRequest,
    Invoice,
    InvoiceReason,
    InvoiceStatus,
    Refund,
    RefundChange,
    RefundExceedsReceived,
    RefundNoChange,
    RefundNotOverpaid,
    RefundReason,
    RefundStatus,
    SolQuote,
    Transfer,
    associated_token_address,
    open_invoice,
    parse_transfer_request_url,
)
from walletreports.payments.domain.transfer_validation import TOKEN_PROGRAM
from walletreports.payments.service_layer import refunding
from walletreports.payments.service_layer.candidates import Candidate, Verdict
from walletreports.payments.service_layer.errors import InvoiceNotFound
from walletreports.payments.service_layer.refund_errors import (
    OverpaymentNotRefundable,
    RefundNotFound,
)
from walletreports.payments.service_layer.verification import verify

from .fakes import FakeInvoiceRepository, FakeUnitOfWork, RefundLoad, as_refunding_port

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)
LABEL = "Wallet Reports"
STAFF = "staff:ops@example.com"
PAYER = Keypair.from_seed(bytes([1] * 32)).pubkey()
MERCHANT = Keypair.from_seed(bytes([2] * 32)).pubkey()
STRANGER = Keypair.from_seed(bytes([3] * 32)).pubkey()
SIG = "5" * 88
OTHER_SIG = "4" * 88
MEMO_PROGRAM = "MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr"

USDC, USDT, SOL = Currency.USDC, Currency.USDT, Currency.SOL
R = RefundReason


# --- invoices and their money -----------------------------------------------------


def an_invoice() -> Invoice:
    quote = SolQuote(
        usd_per_sol=Decimal("150"), confidence=Decimal("0.05"), source="fixed", published_at=NOW
    )
    return open_invoice(
        invoice_id=uuid.uuid4(),
        order_id=uuid.uuid4(),
        reference=str(Pubkey(bytes([9] * 32))),
        price_usd=Decimal("25.00"),
        now=NOW,
        sol_quote=quote,
    )


def pay(invoice: Invoice, amount: int, currency: str = "USDC") -> Invoice:
    n = len(invoice.transfers) + 1
    transfer = Transfer(
        signature=f"{n}" * 88,
        currency=currency,  # type: ignore[arg-type]
        amount_base_units=amount,
        payer=str(PAYER),
        slot=100 + n,
        commitment=Commitment.FINALIZED,
    )
    invoice.observe_transfer(transfer, now=NOW + timedelta(minutes=n))
    return invoice


def overpaid() -> Invoice:
    """25 USD asked, 30 USDC paid: 5 USDC over."""
    invoice = pay(an_invoice(), 30_000_000)
    assert (invoice.status, invoice.reason) == (InvoiceStatus.SETTLED, InvoiceReason.PAID_OVER)
    return invoice


def uow_with(*invoices: Invoice) -> FakeUnitOfWork:
    return FakeUnitOfWork(invoices=FakeInvoiceRepository(*invoices))


async def ask(
    uow: FakeUnitOfWork,
    invoice: Invoice,
    amount: int | None,
    *,
    reason: RefundReason = R.STAFF_DECISION,
    currency: Currency = USDC,
) -> Refund:
    return await refunding.request(
        as_refunding_port(uow),
        invoice_id=invoice.id,
        currency=currency,
        amount_base_units=amount,
        reason=reason,
        note="customer asked",
        by=STAFF,
        now=LATER,
        label=LABEL,
    )


# --- a refund transaction as a node renders it ------------------------------------


def key(pubkey: Pubkey | str, signer: bool = False, writable: bool = False) -> dict[str, Any]:
    return {"pubkey": str(pubkey), "signer": signer, "writable": writable, "source": "transaction"}


def balance(index: int, mint: Pubkey, owner: Pubkey, amount: int) -> dict[str, Any]:
    return {
        "accountIndex": index,
        "mint": str(mint),
        "owner": str(owner),
        "programId": str(TOKEN_PROGRAM),
        "uiTokenAmount": {
            "amount": str(amount),
            "decimals": 6,
            "uiAmount": amount / 10**6,
            "uiAmountString": str(amount / 10**6),
        },
    }


def refund_tx(
    refund: Refund,
    *,
    amount: int | None = None,
    sender: Pubkey = MERCHANT,
    memo: str | None = None,
    signature: str = SIG,
) -> dict[str, Any]:
    """A transferChecked of the refund's stablecoin from `sender` to the refund's
    recipient, with the refund's reference, as the test wallet makes it."""
    amount = refund.amount_base_units if amount is None else amount
    mint = refund.currency.mint
    assert mint is not None
    recipient = Pubkey.from_string(refund.recipient)
    reference = Pubkey.from_string(refund.reference)
    source = associated_token_address(sender, mint)
    destination = associated_token_address(recipient, mint)
    keys = [
        key(sender, signer=True, writable=True),
        key(source, writable=True),
        key(destination, writable=True),
        key(mint),
        key(reference),
        key(MEMO_PROGRAM),
        key(TOKEN_PROGRAM),
    ]
    info = {
        "destination": str(destination),
        "mint": str(mint),
        "source": str(source),
        "tokenAmount": {"amount": str(amount), "decimals": 6},
        "multisigAuthority": str(sender),
        "signers": [str(reference)],
    }
    instructions = [
        {
            "parsed": memo if memo is not None else refunding.refund_memo(refund),
            "program": "spl-memo",
            "programId": MEMO_PROGRAM,
            "stackHeight": None,
        },
        {
            "parsed": {"info": info, "type": "transferChecked"},
            "program": "spl-token",
            "programId": str(TOKEN_PROGRAM),
            "stackHeight": None,
        },
    ]
    rich = 1_000_000_000_000
    lamports = [rich, 2_039_280, 2_039_280, 1_461_600, 0, 1, 1]
    return {
        "blockTime": 1_770_000_000,
        "meta": {
            "computeUnitsConsumed": 6000,
            "err": None,
            "fee": 5000,
            "innerInstructions": [],
            "logMessages": [],
            "postBalances": [rich - 5000, *lamports[1:]],
            "postTokenBalances": [
                balance(1, mint, sender, rich - amount),
                balance(2, mint, recipient, amount),
            ],
            "preBalances": lamports,
            "preTokenBalances": [balance(1, mint, sender, rich), balance(2, mint, recipient, 0)],
            "rewards": [],
            "status": {"Ok": None},
        },
        "slot": 500,
        "transaction": {
            "message": {
                "accountKeys": keys,
                "instructions": instructions,
                "recentBlockhash": "1" * 32,
            },
            "signatures": [signature],
        },
        "version": "legacy",
    }


def seen(commitment: Commitment, signature: str = SIG) -> Candidate:
    return Candidate(signature, 500, commitment, USDC)


async def observe(
    uow: FakeUnitOfWork,
    refund: Refund,
    result: dict[str, Any],
    commitment: Commitment = Commitment.FINALIZED,
    signature: str = SIG,
) -> Verdict:
    loaded = await uow.refunds.get(refund.id, lock=True)
    assert loaded is not None
    return await refunding.observe_refund_transfer(
        uow,  # type: ignore[arg-type]  # the fake invoices lack the watcher's look-ups
        loaded,
        seen(commitment, signature),
        result,
        merchant=str(MERCHANT),
        now=LATER,
    )


# --- request ------------------------------------------------------------------------


async def test_an_overpayment_refund_without_amount_asks_the_excess_and_is_published():
    invoice = overpaid()
    uow = uow_with(invoice)

    refund = await ask(uow, invoice, None, reason=R.OVERPAYMENT)

    assert refund.amount_base_units == 5_000_000 and refund.currency is USDC
    assert refund.recipient == str(PAYER) and refund.status is RefundStatus.REQUESTED
    assert refund.reference != invoice.reference
    assert uow.refunds.stored(refund.id).amount_base_units == 5_000_000
    [event] = uow.emitted(RefundRequested)
    assert event.refund_id == refund.id and event.invoice_id == invoice.id
    assert event.order_id == invoice.order_id and event.correlation_id == str(invoice.order_id)
    assert (event.currency, event.amount_base_units) == ("USDC", 5_000_000)
    assert (event.recipient, event.reason) == (str(PAYER), "overpayment")
    assert uow.invoices.loads[0].lock  # the invoice is locked while its money is counted
    assert RefundLoad(refund.id, True) not in uow.refunds.loads  # it is new


async def test_the_stored_url_is_the_merchant_to_payer_transfer_with_the_refunds_memo():
    invoice = overpaid()
    uow = uow_with(invoice)

    refund = await ask(uow, invoice, None, reason=R.OVERPAYMENT)

    request = parse_transfer_request_url(uow.refunds.url(refund.id))
    assert request.recipient == PAYER and request.currency is USDC
    assert [str(r) for r in request.references] == [refund.reference]
    assert request.memo == refunding.refund_memo(refund)
    assert request.label == LABEL


async def test_an_amount_is_required_unless_the_reason_is_overpayment():
    invoice = overpaid()
    uow = uow_with(invoice)

    with pytest.raises(InvalidRefundRequest) as caught:
        await ask(uow, invoice, None, reason=R.STAFF_DECISION)

    assert caught.value.field == "amount_base_units"
    assert uow.refunds.all() == [] and uow.events == []


async def test_no_overpayment_no_excess():
    invoice = pay(an_invoice(), 25_000_000)
    uow = uow_with(invoice)

    with pytest.raises(RefundNotOverpaid):
        await ask(uow, invoice, None, reason=R.OVERPAYMENT)


async def test_the_excess_is_asked_once_and_a_cancelled_refund_gives_it_back():
    invoice = overpaid()
    uow = uow_with(invoice)
    first = await ask(uow, invoice, None, reason=R.OVERPAYMENT)

    with pytest.raises(OverpaymentNotRefundable) as caught:
        await ask(uow, invoice, None, reason=R.OVERPAYMENT)
    assert caught.value.field == "amount_base_units"

    await refunding.cancel(
        as_refunding_port(uow), refund_id=first.id, by=STAFF, note="wrong wallet", now=LATER
    )
    again = await ask(uow, invoice, None, reason=R.OVERPAYMENT)
    assert again.amount_base_units == 5_000_000


async def test_an_overpayment_refund_in_another_currency_than_the_excess_is_refused():
    invoice = overpaid()
    uow = uow_with(invoice)

    with pytest.raises(OverpaymentNotRefundable) as caught:
        await ask(uow, invoice, None, reason=R.OVERPAYMENT, currency=USDT)

    assert isinstance(caught.value, Conflict) and caught.value.field == "currency"


async def test_more_than_was_received_is_refused_and_nothing_is_stored():
    invoice = overpaid()
    uow = uow_with(invoice)

    with pytest.raises(RefundExceedsReceived) as caught:
        await ask(uow, invoice, 30_000_001)

    assert caught.value.refundable_base_units == 30_000_000
    assert uow.refunds.all() == [] and uow.events == []


async def test_an_unknown_invoice_is_not_found():
    uow = uow_with()

    with pytest.raises(InvoiceNotFound):
        await ask(uow, an_invoice(), 1)


# --- cancel -------------------------------------------------------------------------


async def test_cancel_withdraws_a_requested_refund_once_and_frees_its_amount():
    invoice = overpaid()
    uow = uow_with(invoice)
    refund = await ask(uow, invoice, 30_000_000)
    uow.events.clear()
    port = as_refunding_port(uow)

    outcome = await refunding.cancel(port, refund_id=refund.id, by=STAFF, note="dup", now=LATER)
    again = await refunding.cancel(port, refund_id=refund.id, by=STAFF, note="dup", now=LATER)

    assert isinstance(outcome, RefundChange) and isinstance(again, RefundNoChange)
    stored = uow.refunds.stored(refund.id)
    assert stored.status is RefundStatus.CANCELLED
    assert (stored.cancelled_by, stored.cancel_note) == (STAFF, "dup")
    assert uow.events == []  # no contract announces a cancellation
    assert (await ask(uow, invoice, 30_000_000)).amount_base_units == 30_000_000


async def test_a_sent_refund_cannot_be_cancelled_and_an_unknown_one_is_not_found():
    invoice = overpaid()
    uow = uow_with(invoice)
    refund = await ask(uow, invoice, 5_000_000)
    await observe(uow, refund, refund_tx(refund))
    port = as_refunding_port(uow)

    with pytest.raises(IllegalRefundTransition):
        await refunding.cancel(port, refund_id=refund.id, by=STAFF, note="late", now=LATER)
    with pytest.raises(RefundNotFound) as caught:
        await refunding.cancel(port, refund_id=uuid.uuid4(), by=STAFF, note="?", now=LATER)
    assert isinstance(caught.value, NotFound)


# --- a failed analysis ------------------------------------------------------------


async def failed(uow: FakeUnitOfWork, invoice: Invoice) -> list[Refund]:
    return await refunding.for_failed_analysis(
        as_refunding_port(uow), order_id=invoice.order_id, now=LATER, label=LABEL
    )


async def test_a_failed_analysis_refunds_everything_per_currency_once():
    invoice = pay(pay(an_invoice(), 10_000_000, "USDC"), 15_000_000, "USDT")
    assert invoice.status is InvoiceStatus.SETTLED
    uow = uow_with(invoice)

    asked = await failed(uow, invoice)
    again = await failed(uow, invoice)

    assert {(r.currency, r.amount_base_units) for r in asked} == {
        (USDC, 10_000_000),
        (USDT, 15_000_000),
    }
    assert all(r.reason is R.ANALYSIS_FAILED and r.requested_by == "system" for r in asked)
    assert again == [] and len(uow.refunds.all()) == 2
    assert len(uow.emitted(RefundRequested)) == 2


async def test_a_failed_analysis_refunds_what_staff_did_not_refund_already():
    invoice = overpaid()
    uow = uow_with(invoice)
    await ask(uow, invoice, None, reason=R.OVERPAYMENT)

    [refund] = await failed(uow, invoice)

    assert refund.amount_base_units == 25_000_000


async def test_after_its_refund_was_cancelled_a_new_failure_refunds_again():
    invoice = pay(an_invoice(), 25_000_000)
    uow = uow_with(invoice)
    [first] = await failed(uow, invoice)
    await refunding.cancel(
        as_refunding_port(uow), refund_id=first.id, by=STAFF, note="refunded by hand", now=LATER
    )

    [second] = await failed(uow, invoice)

    assert second.id != first.id and second.amount_base_units == 25_000_000


async def test_no_invoice_or_no_money_means_no_refund():
    unpaid = an_invoice()
    uow = uow_with(unpaid)

    assert await failed(uow, unpaid) == []
    assert await failed(uow, an_invoice()) == []  # an order payments never invoiced
    assert uow.events == []


# --- the watcher sees a refund transaction ------------------------------------------


async def requested(amount: int = 5_000_000) -> tuple[FakeUnitOfWork, Refund]:
    invoice = overpaid()
    uow = uow_with(invoice)
    refund = await ask(uow, invoice, amount)
    uow.events.clear()
    return uow, refund


async def test_before_finality_a_refund_transaction_is_recorded_but_nothing_is_sent():
    uow, refund = await requested()

    verdict = await observe(uow, refund, refund_tx(refund), Commitment.CONFIRMED)

    assert verdict.outcome == "refund" and verdict.events == ()
    assert verdict.invoice_ids == (refund.invoice_id,)
    assert uow.refunds.stored(refund.id).status is RefundStatus.REQUESTED
    assert uow.refunds.saves == [] and uow.events == [] and uow.rejections.rows == []


async def test_finalized_from_the_merchant_the_refund_is_sent_and_published_once():
    uow, refund = await requested()

    verdict = await observe(uow, refund, refund_tx(refund))
    again = await observe(uow, refund, refund_tx(refund))

    assert verdict.outcome == again.outcome == "refund"
    assert verdict.events == ("refund.sent",) and again.events == ()
    stored = uow.refunds.stored(refund.id)
    assert stored.status is RefundStatus.SENT and stored.signature == SIG
    assert (stored.sent_amount_base_units, stored.sent_at) == (5_000_000, LATER)
    [event] = uow.emitted(RefundSent)
    assert (event.refund_id, event.signature) == (refund.id, SIG)
    assert event.amount_base_units == 5_000_000
    assert event.recipient == str(PAYER) and event.correlation_id == str(refund.order_id)


@pytest.mark.parametrize("commitment", [Commitment.CONFIRMED, Commitment.FINALIZED])
async def test_a_refund_paid_by_someone_else_is_a_rejected_candidate(commitment: Commitment):
    uow, refund = await requested()

    verdict = await observe(uow, refund, refund_tx(refund, sender=STRANGER), commitment)

    assert verdict.outcome == "rejected" and verdict.reason == refunding.NOT_FROM_MERCHANT
    [row] = uow.rejections.rows
    assert (row["signature"], row["reason"]) == (SIG, "refund_not_from_merchant")
    assert (row["invoice_id"], row["reference"]) == (refund.invoice_id, refund.reference)
    assert uow.refunds.stored(refund.id).status is RefundStatus.REQUESTED and uow.events == []


@pytest.mark.parametrize("commitment", [Commitment.CONFIRMED, Commitment.FINALIZED])
async def test_a_short_refund_is_rejected_and_stays_requested(commitment: Commitment):
    uow, refund = await requested()

    verdict = await observe(uow, refund, refund_tx(refund, amount=4_999_999), commitment)

    assert (verdict.outcome, verdict.reason) == ("rejected", "refund_short")
    assert uow.rejections.rows[0]["reference"] == refund.reference
    assert uow.refunds.stored(refund.id).status is RefundStatus.REQUESTED


async def test_a_refund_transaction_without_its_memo_is_rejected():
    uow, refund = await requested()

    verdict = await observe(uow, refund, refund_tx(refund, memo="something else"))

    assert (verdict.outcome, verdict.reason) == ("rejected", "memo_mismatch")


async def test_a_cancelled_refund_paid_anyway_is_kept_for_staff_and_not_sent():
    uow, refund = await requested()
    await refunding.cancel(
        as_refunding_port(uow), refund_id=refund.id, by=STAFF, note="wrong", now=LATER
    )

    verdict = await observe(uow, refund, refund_tx(refund))

    assert (verdict.outcome, verdict.reason) == ("rejected", "illegal_refund_transition")
    assert uow.refunds.stored(refund.id).status is RefundStatus.CANCELLED and uow.events == []


async def test_a_second_transaction_for_a_sent_refund_is_rejected():
    uow, refund = await requested()
    await observe(uow, refund, refund_tx(refund))

    other = refund_tx(refund, signature=OTHER_SIG)
    verdict = await observe(uow, refund, other, signature=OTHER_SIG)

    assert (verdict.outcome, verdict.reason) == ("rejected", "refund_already_sent")
    assert uow.refunds.stored(refund.id).signature == SIG


async def test_verify_hands_a_transaction_with_a_refunds_reference_to_refunding():
    uow, refund = await requested()

    verdict = await verify(
        uow,  # type: ignore[arg-type]
        seen(Commitment.FINALIZED),
        refund_tx(refund),
        now=LATER,
        merchant=str(MERCHANT),
    )

    assert verdict.outcome == "refund"
    assert uow.refunds.stored(refund.id).status is RefundStatus.SENT
    assert RefundLoad(refund.id, True) in uow.refunds.loads  # locked while judged


async def test_the_watchers_promotion_finds_the_refund_by_its_reference():
    uow, refund = await requested()

    verdict = await refunding.observe_final_refund(
        uow,  # type: ignore[arg-type]
        seen(Commitment.FINALIZED),
        refund_tx(refund),
        merchant=str(MERCHANT),
        now=LATER,
    )

    assert verdict is not None and verdict.events == ("refund.sent",)
    assert len(uow.emitted(RefundSent)) == 1


async def test_a_domain_refusal_is_a_kit_error_the_edges_map():
    uow, refund = await requested()

    with pytest.raises(InvalidInput):
        await refunding.cancel(
            as_refunding_port(uow), refund_id=refund.id, by=STAFF, note="  ", now=LATER
        )
