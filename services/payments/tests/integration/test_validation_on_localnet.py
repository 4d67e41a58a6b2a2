"""Transfer validation against the real localnet: its test wallet pays Solana Pay URLs,
good and bad, and each transaction is fetched over JSON-RPC exactly as the watcher will
(`getTransaction`, jsonParsed, maxSupportedTransactionVersion 0) and judged.

Bad payments the wallet makes that are not one transaction's business (a fork rolled
back, late or expired payments, paying twice) belong to the invoice lifecycle's tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from walletreports.localnet.testing import Localnet
from walletreports.localnet.testing import localnet as start_localnet
from walletreports.payments.domain.money import USDC_MINT, USDT_MINT
from walletreports.payments.domain.transfer_validation import (
    ExpectedTransfer,
    RejectionReason,
    TransferAccepted,
    TransferRejected,
    TransferVerdict,
    associated_token_address,
    validate_transfer,
)


@pytest.fixture(scope="module")
def net() -> Iterator[Localnet]:
    """One chain for this module (manual clock); each test uses fresh merchants/references."""
    with start_localnet() as running:
        yield running


class Invoice:
    """One payment method of an invoice: its URL for the wallet, its expectation for us."""

    def __init__(self, mint: Pubkey | None, amount: str, memo: str | None = "inv-1") -> None:
        self.merchant = Keypair().pubkey()
        self.reference = Keypair().pubkey()
        self.expected = ExpectedTransfer(
            recipient=self.merchant,
            mint=mint,
            decimals=9 if mint is None else 6,
            reference=self.reference,
            memo=memo,
        )
        token = "" if mint is None else f"&spl-token={mint}"
        memo_part = "" if memo is None else f"&memo={memo}"
        self.url = (
            f"solana:{self.merchant}?amount={amount}{token}&reference={self.reference}{memo_part}"
        )


async def get_transaction(net: Localnet, signature: str) -> object:
    params: list[Any] = [
        signature,
        {"encoding": "jsonParsed", "maxSupportedTransactionVersion": 0, "commitment": "confirmed"},
    ]
    async with httpx.AsyncClient() as http:
        response = await http.post(
            net.rpc_url,
            json={"jsonrpc": "2.0", "id": 1, "method": "getTransaction", "params": params},
        )
    body = response.json()
    assert "error" not in body, body
    return body["result"]


async def pay_and_judge(net: Localnet, invoice: Invoice, **bad: Any) -> TransferVerdict:
    [signature] = await net.pay(invoice.url, **bad)
    await net.advance_slots(1)  # confirmed
    verdict = validate_transfer(
        await get_transaction(net, signature), invoice.expected, signature=signature
    )
    assert verdict.signature == signature
    return verdict


def accepted(verdict: TransferVerdict) -> TransferAccepted:
    assert isinstance(verdict, TransferAccepted), verdict
    return verdict


def reason(verdict: TransferVerdict) -> RejectionReason:
    assert isinstance(verdict, TransferRejected), verdict
    return verdict.reason


@pytest.mark.parametrize(
    ("mint", "amount", "base_units"),
    [
        (USDC_MINT, "12.5", 12_500_000),
        (USDT_MINT, "7.000001", 7_000_001),
        (None, "0.25", 250_000_000),
    ],
    ids=["USDC", "USDT", "SOL"],
)
async def test_good_payment_is_accepted_with_the_right_amount(
    net: Localnet, mint: Pubkey | None, amount: str, base_units: int
) -> None:
    invoice = Invoice(mint, amount)
    verdict = accepted(await pay_and_judge(net, invoice))
    assert verdict.amount == base_units
    assert verdict.payer == net.payer.pubkey()
    assert verdict.references == (invoice.reference,)
    expected_destination = (
        invoice.merchant if mint is None else associated_token_address(invoice.merchant, mint)
    )
    assert verdict.destination == expected_destination


async def test_v0_transaction_and_no_memo_invoice_are_accepted(net: Localnet) -> None:
    invoice = Invoice(USDC_MINT, "1", memo=None)
    assert accepted(await pay_and_judge(net, invoice, version=0)).amount == 1_000_000


@pytest.mark.parametrize(
    ("mint", "paid", "base_units"),
    [
        (USDC_MINT, "9.99", 9_990_000),
        (USDC_MINT, "10.01", 10_010_000),
        (None, "0.099999999", 99_999_999),
        (None, "0.100000001", 100_000_001),
    ],
    ids=["USDC under", "USDC over", "SOL under", "SOL over"],
)
async def test_under_and_over_payments_report_what_arrived(
    net: Localnet, mint: Pubkey | None, paid: str, base_units: int
) -> None:
    invoice = Invoice(mint, "10" if mint else "0.1")
    verdict = accepted(await pay_and_judge(net, invoice, amount=Decimal(paid)))
    assert verdict.amount == base_units  # the invoice decides paid_partial / paid_over


@pytest.mark.parametrize(
    ("mint", "bad", "expected"),
    [
        (USDC_MINT, {"mint": USDT_MINT}, RejectionReason.WRONG_MINT),
        (USDC_MINT, {"mint": "sol"}, RejectionReason.WRONG_MINT),
        (None, {"mint": USDC_MINT}, RejectionReason.WRONG_MINT),
        (USDC_MINT, {"recipient": Keypair().pubkey()}, RejectionReason.WRONG_RECIPIENT),
        (None, {"recipient": Keypair().pubkey()}, RejectionReason.WRONG_RECIPIENT),
        (USDC_MINT, {"drop_references": True}, RejectionReason.REFERENCE_MISSING),
        (None, {"drop_references": True}, RejectionReason.REFERENCE_MISSING),
        (USDC_MINT, {"omit_memo": True}, RejectionReason.MEMO_MISMATCH),
        (USDC_MINT, {"memo": "inv-2"}, RejectionReason.MEMO_MISMATCH),
        (None, {"memo": "inv-2"}, RejectionReason.MEMO_MISMATCH),
        (USDC_MINT, {"fail": True}, RejectionReason.TRANSACTION_FAILED),
        (None, {"fail": True}, RejectionReason.TRANSACTION_FAILED),
    ],
    ids=[
        "USDT for USDC",
        "SOL for USDC",
        "USDC for SOL",
        "USDC wrong recipient",
        "SOL wrong recipient",
        "USDC no reference",
        "SOL no reference",
        "USDC no memo",
        "USDC other memo",
        "SOL other memo",
        "USDC failed",
        "SOL failed",
    ],
)
async def test_bad_payment_is_rejected_with_its_reason(
    net: Localnet, mint: Pubkey | None, bad: dict[str, object], expected: RejectionReason
) -> None:
    invoice = Invoice(mint, "5" if mint else "0.05")
    verdict = await pay_and_judge(net, invoice, **bad)
    assert reason(verdict) is expected, verdict


@pytest.mark.parametrize("mint", [USDC_MINT, None], ids=["USDC", "SOL"])
async def test_one_signature_with_two_invoices_references_returns_both(
    net: Localnet, mint: Pubkey | None
) -> None:
    invoice = Invoice(mint, "2" if mint else "0.02")
    other_invoice_reference = Keypair().pubkey()
    verdict = await pay_and_judge(net, invoice, extra_references=[other_invoice_reference])
    # In account-key order, which the message compiler chooses: compare as sets.
    assert set(verdict.references) == {invoice.reference, other_invoice_reference}
    assert len(verdict.references) == 2


async def test_unknown_signature_is_not_found(net: Localnet) -> None:
    signature = str(Keypair().sign_message(b"never sent"))
    verdict = validate_transfer(
        await get_transaction(net, signature), Invoice(USDC_MINT, "1").expected, signature=signature
    )
    assert reason(verdict) is RejectionReason.NOT_FOUND
