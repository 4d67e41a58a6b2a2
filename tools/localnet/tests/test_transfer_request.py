from decimal import Decimal

import pytest

from walletreports.localnet.pay.transfer_request import (
    InvalidTransferRequest,
    parse_transfer_request,
)

RECIPIENT = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"
USDC = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
REF1 = "82ZJ7nbGpixjeDCmEhUcmwXYfvurzAgGdtSMuqnUgvoz"
REF2 = "4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T"


def test_parses_every_field_percent_decoded():
    request = parse_transfer_request(
        f"solana:{RECIPIENT}?amount=0.01&spl-token={USDC}&reference={REF1}&reference={REF2}"
        "&label=Michael&message=Thanks%20for%20all%20the%20fish&memo=OrderId12345"
    )
    assert str(request.recipient) == RECIPIENT
    assert request.amount == Decimal("0.01")
    assert str(request.spl_token) == USDC
    assert [str(r) for r in request.references] == [REF1, REF2]
    assert request.message == "Thanks for all the fish"
    assert request.memo == "OrderId12345"


@pytest.mark.parametrize("amount", ["1e3", "-1", ".5", "1,5", "abc"])
def test_rejects_amounts_that_are_not_plain_decimals(amount):
    with pytest.raises(InvalidTransferRequest):
        parse_transfer_request(f"solana:{RECIPIENT}?amount={amount}")


def test_rejects_other_schemes_and_bad_keys():
    with pytest.raises(InvalidTransferRequest):
        parse_transfer_request(f"bitcoin:{RECIPIENT}")
    with pytest.raises(InvalidTransferRequest):
        parse_transfer_request("solana:notakey?amount=1")
    with pytest.raises(InvalidTransferRequest):
        parse_transfer_request(f"solana:{RECIPIENT}?reference=nope")


@pytest.mark.parametrize("amount", ["\u0661", "1\n", "1.5\n", "\uff11", "1.\u0665"])
def test_amount_is_ascii_digits_and_nothing_else(amount):
    from urllib.parse import quote

    with pytest.raises(InvalidTransferRequest):
        parse_transfer_request(f"solana:{RECIPIENT}?amount={quote(amount)}")


@pytest.mark.parametrize(("amount", "decimals", "units"), [
    ("1.5000000", 6, 1_500_000),   # trailing zeros past the decimals, value exact
    ("12.50", 6, 12_500_000),
    ("0.000001", 6, 1),
    ("18446744073709.551615", 6, 2**64 - 1),
    ("1.000000000000", 9, 10**9),
])
def test_base_units_exact(amount, decimals, units):
    from walletreports.localnet.pay.wallet import _base_units

    assert _base_units(Decimal(amount), decimals) == units


@pytest.mark.parametrize(("amount", "decimals"), [
    ("-1", 6), ("0", 6), ("NaN", 6), ("sNaN", 6), ("Infinity", 6), ("-Infinity", 6),
    ("0.0000001", 6), ("1.0000001", 6), ("1e-999999999", 6), ("1e999999999", 6),
    ("18446744073709.551616", 6), ("99999999999999999999999999999999", 0),
    ("1" + "0" * 5000, 6),
])
def test_base_units_refuses_with_create_transfer_error(amount, decimals):
    from walletreports.localnet.pay.wallet import CreateTransferError, _base_units

    with pytest.raises(CreateTransferError):
        _base_units(Decimal(amount), decimals)


def test_wallet_keypair_is_the_funded_wallet():
    from walletreports.localnet.genesis import GenesisConfig, test_wallets, wallet_keypair

    config = GenesisConfig(wallet_count=3)
    assert [wallet_keypair(config.seed, i) for i in range(3)] == test_wallets(config)
    with pytest.raises(ValueError):
        wallet_keypair(config.seed, -1)


def _run_pay(*args):
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "walletreports.localnet.pay", f"solana:{RECIPIENT}?amount=1",
         "--rpc", "http://127.0.0.1:9", *args],
        capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("args", [
    ["--wallet", "-1"], ["--wallet", "x"], ["--amount", "-1"], ["--amount", "NaN"],
    ["--amount", "Infinity"], ["--amount", "0"], ["--times", "0"], ["--times", "-2"],
])
def test_cli_refuses_bad_flags_with_a_usage_error(args):
    result = _run_pay(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "error:" in result.stderr


def test_cli_huge_wallet_index_does_not_hang():
    # Used to derive every wallet up to the index first; now one keypair, then the
    # (unreachable) RPC fails at once.
    result = _run_pay("--wallet", str(10**12))
    assert result.returncode == 1 and "Traceback" not in result.stderr


def test_cli_absurd_url_amount_is_a_clear_error():
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "walletreports.localnet.pay",
         f"solana:{RECIPIENT}?amount=99999999999999999999999999", "--rpc", "http://127.0.0.1:9"],
        capture_output=True, text=True, timeout=30)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("pay: amount") and "Traceback" not in result.stderr
