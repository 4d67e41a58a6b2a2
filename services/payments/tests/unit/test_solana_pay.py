from __future__ import annotations

from decimal import Decimal

import pytest
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from walletreports.kit.errors import InvalidInput
from walletreports.payments.domain import (
    USDC_MINT,
    USDT_MINT,
    Currency,
    InvalidAmount,
    InvalidLabel,
    InvalidMemo,
    InvalidMessage,
    InvalidRecipient,
    InvalidReference,
    InvalidSplToken,
    InvalidTransferRequest,
    TransferRequest,
    build_transfer_request_url,
    parse_transfer_request_url,
)

MVINES = Pubkey.from_string("mvines9iiHiQTysrwkJjGf2gb9Ex9jXJX8ns3qwf2kN")
# A merchant owner wallet and two references, fixed so failures are reproducible.
MERCHANT = Keypair.from_seed(bytes(32)).pubkey()
REF_1 = Pubkey(bytes(range(32)))
REF_2 = Pubkey(bytes(range(1, 33)))
ATA_LIKE = Pubkey.find_program_address([bytes(MERCHANT)], Pubkey(bytes(range(2, 34))))[0]


# --- The spec's own examples (https://docs.solanapay.com/spec) ---------------------------


def test_spec_example_sol_transfer():
    url = (
        "solana:mvines9iiHiQTysrwkJjGf2gb9Ex9jXJX8ns3qwf2kN?amount=1&label=Michael"
        "&message=Thanks%20for%20all%20the%20fish&memo=OrderId12345"
    )
    request = parse_transfer_request_url(url)
    assert request == TransferRequest(
        recipient=MVINES,
        amount=Decimal("1"),
        label="Michael",
        message="Thanks for all the fish",
        memo="OrderId12345",
    )
    assert request.currency is Currency.SOL
    assert request.amount_base_units == 1_000_000_000
    # ... and the builder writes exactly the spec's URL back.
    assert (
        build_transfer_request_url(
            recipient=MVINES,
            currency=Currency.SOL,
            amount_base_units=1_000_000_000,
            label="Michael",
            message="Thanks for all the fish",
            memo="OrderId12345",
        )
        == url
    )


def test_spec_example_usdc_transfer():
    url = (
        "solana:mvines9iiHiQTysrwkJjGf2gb9Ex9jXJX8ns3qwf2kN?amount=0.01"
        "&spl-token=EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
    )
    request = parse_transfer_request_url(url)
    assert request.recipient == MVINES
    assert request.amount == Decimal("0.01")
    assert request.spl_token == USDC_MINT
    assert request.currency is Currency.USDC
    assert request.amount_base_units == 10_000
    assert request.references == ()
    assert (request.label, request.message, request.memo) == (None, None, None)
    assert (
        build_transfer_request_url(
            recipient=MVINES, currency=Currency.USDC, amount_base_units=10_000
        )
        == url
    )


def test_spec_example_minimal():
    request = parse_transfer_request_url("solana:mvines9iiHiQTysrwkJjGf2gb9Ex9jXJX8ns3qwf2kN")
    assert request == TransferRequest(recipient=MVINES)
    assert request.currency is Currency.SOL
    assert request.amount_base_units is None
    assert (
        build_transfer_request_url(recipient=MVINES, currency=Currency.SOL, amount_base_units=None)
        == "solana:mvines9iiHiQTysrwkJjGf2gb9Ex9jXJX8ns3qwf2kN"
    )


def test_spec_example_asking_for_an_amount():
    request = parse_transfer_request_url(
        "solana:mvines9iiHiQTysrwkJjGf2gb9Ex9jXJX8ns3qwf2kN?label=Michael"
    )
    assert request == TransferRequest(recipient=MVINES, label="Michael")
    assert request.amount is None


# --- Building -------------------------------------------------------------------------


def test_usdt_invoice_url_with_references_and_encoded_text():
    url = build_transfer_request_url(
        recipient=str(MERCHANT),
        currency=Currency.USDT,
        amount_base_units=25_000_000,
        references=[REF_1, str(REF_2)],
        label="Wallet Reports",
        message="Report for 0xabc & co = 100% #1?",
        memo="inv-1 ✓",
    )
    assert url == (
        f"solana:{MERCHANT}?amount=25&spl-token={USDT_MINT}"
        f"&reference={REF_1}&reference={REF_2}&label=Wallet%20Reports"
        "&message=Report%20for%200xabc%20%26%20co%20%3D%20100%25%20%231%3F"
        "&memo=inv-1%20%E2%9C%93"
    )
    request = parse_transfer_request_url(url)
    assert request.references == (REF_1, REF_2)
    assert request.message == "Report for 0xabc & co = 100% #1?"
    assert request.memo == "inv-1 ✓"
    assert request.amount_base_units == 25_000_000


def test_sol_url_has_no_spl_token_and_amount_in_sol():
    url = build_transfer_request_url(
        recipient=MERCHANT, currency=Currency.SOL, amount_base_units=123_456_789
    )
    assert url == f"solana:{MERCHANT}?amount=0.123456789"


def test_plus_is_encoded_so_it_does_not_turn_into_a_space():
    url = build_transfer_request_url(
        recipient=MERCHANT, currency=Currency.SOL, amount_base_units=None, memo="a+b"
    )
    assert url.endswith("memo=a%2Bb")
    assert parse_transfer_request_url(url).memo == "a+b"


def test_builder_refuses_an_off_curve_recipient_such_as_a_token_account():
    assert not ATA_LIKE.is_on_curve()
    with pytest.raises(InvalidRecipient) as caught:
        build_transfer_request_url(recipient=ATA_LIKE, currency=Currency.USDC, amount_base_units=1)
    assert caught.value.field == "recipient"
    assert caught.value.code == "invalid_recipient"


@pytest.mark.parametrize("recipient", ["", "not-base58!", "1" * 33, f" {MERCHANT}", 42])
def test_builder_refuses_a_bad_recipient(recipient):
    with pytest.raises(InvalidRecipient):
        build_transfer_request_url(recipient=recipient, currency=Currency.SOL, amount_base_units=1)


def test_builder_refuses_a_bad_reference():
    with pytest.raises(InvalidReference):
        build_transfer_request_url(
            recipient=MERCHANT, currency=Currency.SOL, amount_base_units=1, references=["abc"]
        )


def test_builder_refuses_a_bad_amount():
    with pytest.raises(InvalidAmount):
        build_transfer_request_url(recipient=MERCHANT, currency=Currency.SOL, amount_base_units=-1)
    with pytest.raises(InvalidAmount):
        build_transfer_request_url(
            recipient=MERCHANT, currency=Currency.SOL, amount_base_units=2**63
        )


@pytest.mark.parametrize(
    ("field", "error"),
    [("label", InvalidLabel), ("message", InvalidMessage), ("memo", InvalidMemo)],
)
def test_builder_refuses_text_that_is_not_utf8_encodable(field, error):
    with pytest.raises(error) as caught:
        build_transfer_request_url(
            recipient=MERCHANT, currency=Currency.SOL, amount_base_units=1, **{field: "\ud800"}
        )
    assert caught.value.field == field


# --- Parsing strictly -----------------------------------------------------------------

BASE = f"solana:{MERCHANT}"


@pytest.mark.parametrize(
    ("url", "error", "field"),
    [
        ("bitcoin:abc", InvalidTransferRequest, "url"),
        (f"SOLANA:{MERCHANT}", InvalidTransferRequest, "url"),
        ("solana:https://example.com/pay", InvalidTransferRequest, "url"),
        ("solana:https%3A%2F%2Fexample.com%2Fpay", InvalidTransferRequest, "url"),
        ("solana:", InvalidRecipient, "recipient"),
        ("solana:?amount=1", InvalidRecipient, "recipient"),
        ("solana:notbase58!!", InvalidRecipient, "recipient"),
        (f"solana:1{MERCHANT}", InvalidRecipient, "recipient"),
        (f"{BASE}?", InvalidTransferRequest, "url"),
        (f"{BASE}?amount=1&&label=x", InvalidTransferRequest, "url"),
        (f"{BASE}?amount", InvalidTransferRequest, "url"),
        (f"{BASE}?=1", InvalidTransferRequest, "url"),
        (f"{BASE}?amount=1&amount=2", InvalidTransferRequest, "amount"),
        (f"{BASE}?label=a&label=b", InvalidTransferRequest, "label"),
        (
            f"{BASE}?spl-token={USDC_MINT}&spl-token={USDT_MINT}",
            InvalidTransferRequest,
            "spl-token",
        ),
        (f"{BASE}?amount=", InvalidAmount, "amount"),
        (f"{BASE}?amount=1e3", InvalidAmount, "amount"),
        (f"{BASE}?amount=1E-2", InvalidAmount, "amount"),
        (f"{BASE}?amount=-1", InvalidAmount, "amount"),
        (f"{BASE}?amount=+1", InvalidAmount, "amount"),
        (f"{BASE}?amount=.5", InvalidAmount, "amount"),
        (f"{BASE}?amount=5.", InvalidAmount, "amount"),
        (f"{BASE}?amount=1,5", InvalidAmount, "amount"),
        (f"{BASE}?amount=0x10", InvalidAmount, "amount"),
        (f"{BASE}?amount=NaN", InvalidAmount, "amount"),
        (f"{BASE}?amount=Infinity", InvalidAmount, "amount"),
        (f"{BASE}?amount=1%2E5", InvalidAmount, "amount"),
        (f"{BASE}?amount=\u0661", InvalidTransferRequest, "url"),  # Arabic-Indic digit one
        (f"{BASE}?amount=0.0000000001", InvalidAmount, "amount"),  # 10 places, SOL has 9
        (f"{BASE}?amount=0.1234567&spl-token={USDC_MINT}", InvalidAmount, "amount"),
        (f"{BASE}?amount=1.0000000&spl-token={USDT_MINT}", InvalidAmount, "amount"),
        (f"{BASE}?amount=9223372037", InvalidAmount, "amount"),  # > BIGINT lamports
        (f"{BASE}?spl-token=abc", InvalidSplToken, "spl-token"),
        (f"{BASE}?spl-token=", InvalidSplToken, "spl-token"),
        (f"{BASE}?reference=abc", InvalidReference, "reference"),
        (f"{BASE}?reference={REF_1}&reference=", InvalidReference, "reference"),
        (f"{BASE}?label=%zz", InvalidLabel, "label"),
        (f"{BASE}?message=100%", InvalidMessage, "message"),
        (f"{BASE}?memo=%FF", InvalidMemo, "memo"),  # not UTF-8
        (f"{BASE}?memo=%C3", InvalidMemo, "memo"),  # truncated UTF-8
        (f"{BASE}?label=two words", InvalidTransferRequest, "url"),
        (f"{BASE}?label=caf\u00e9", InvalidTransferRequest, "url"),
        (f"{BASE}?label=a#b", InvalidTransferRequest, "url"),
        (f"{BASE}#fragment", InvalidTransferRequest, "url"),
        (f"{BASE}?amount=1\n", InvalidTransferRequest, "url"),
    ],
)
def test_parser_refuses_what_the_spec_forbids(url, error, field):
    with pytest.raises(error) as caught:
        parse_transfer_request_url(url)
    assert caught.value.field == field
    assert isinstance(caught.value, InvalidInput)


def test_parser_refuses_a_non_string():
    with pytest.raises(InvalidTransferRequest):
        parse_transfer_request_url(b"solana:x")  # type: ignore[arg-type]


def test_parser_accepts_what_the_spec_allows():
    request = parse_transfer_request_url(
        f"{BASE}?amount=0.100000&spl-token={USDC_MINT}&label=a+b&x-unknown=1&memo="
    )
    # Trailing zeros within the mint's places, '+' as space, unknown parameters ignored,
    # an empty memo is an empty memo.
    assert request.amount_base_units == 100_000
    assert request.label == "a b"
    assert request.memo == ""


def test_a_mint_payments_does_not_accept_parses_but_has_no_currency():
    other = Pubkey(bytes([7] * 32))
    request = parse_transfer_request_url(f"{BASE}?amount=1.123456789012&spl-token={other}")
    assert request.spl_token == other
    assert request.currency is None
    assert request.amount == Decimal("1.123456789012")
    with pytest.raises(InvalidSplToken):
        _ = request.amount_base_units


@pytest.mark.parametrize(
    ("error", "code", "field"),
    [
        (InvalidTransferRequest("x"), "invalid_transfer_request", "url"),
        (InvalidRecipient("x"), "invalid_recipient", "recipient"),
        (InvalidSplToken("x"), "invalid_spl_token", "spl-token"),
        (InvalidReference("x"), "invalid_reference", "reference"),
        (InvalidLabel("x"), "invalid_label", "label"),
        (InvalidMessage("x"), "invalid_message", "message"),
        (InvalidMemo("x"), "invalid_memo", "memo"),
        (InvalidAmount("x", reason="negative"), "invalid_amount", "amount"),
    ],
)
def test_each_error_has_a_stable_code_and_names_its_field(error, code, field):
    assert isinstance(error, InvalidInput)
    assert error.as_dict()["code"] == code
    assert error.as_dict()["field"] == field
