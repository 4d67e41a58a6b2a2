from __future__ import annotations

import pytest

from walletreports.orders.domain.errors import InvalidWalletAddress
from walletreports.orders.domain.wallet_address import validate_wallet_address

# The EIP-55 specification's own test vectors.
EIP55_VECTORS = [
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
]


@pytest.mark.parametrize("address", EIP55_VECTORS)
def test_checksummed_address_is_returned_unchanged(address):
    assert validate_wallet_address(address) == address


@pytest.mark.parametrize("address", EIP55_VECTORS)
def test_all_lowercase_is_accepted_and_checksummed(address):
    assert validate_wallet_address(address.lower()) == address


@pytest.mark.parametrize("address", EIP55_VECTORS)
def test_all_uppercase_is_accepted_and_checksummed(address):
    assert validate_wallet_address("0x" + address[2:].upper()) == address


def test_digits_only_address_has_no_checksum_to_check():
    address = "0x" + "1234567890" * 4
    assert validate_wallet_address(address) == address


@pytest.mark.parametrize("padding", [" ", "\n", "\t ", " \r\n"])
def test_surrounding_whitespace_is_trimmed(padding):
    address = EIP55_VECTORS[0]
    assert validate_wallet_address(f"{padding}{address}{padding}") == address


def _flip_case_of_first_letter(address: str) -> str:
    digits = list(address[2:])
    for i, ch in enumerate(digits):
        if ch.isalpha():
            digits[i] = ch.swapcase()
            return "0x" + "".join(digits)
    raise AssertionError("no letter to flip")


@pytest.mark.parametrize("address", EIP55_VECTORS)
def test_wrong_checksum_is_rejected_without_a_guess(address):
    wrong = _flip_case_of_first_letter(address)
    with pytest.raises(InvalidWalletAddress) as excinfo:
        validate_wallet_address(wrong)
    message = str(excinfo.value)
    assert "invalid EIP-55 checksum" in message
    # No "did you mean": a checksum failure cannot tell us the right address.
    assert address not in message
    assert excinfo.value.code == "invalid_wallet_address"
    assert excinfo.value.field == "wallet_address"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0x" + "a" * 39, "wallet_address must be 40 hex characters after 0x, got 39"),
        ("0x" + "a" * 41, "wallet_address must be 40 hex characters after 0x, got 41"),
        ("0x", "wallet_address must be 40 hex characters after 0x, got 0"),
        ("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "wallet_address must start with 0x"),
        ("0X5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "wallet_address must start with 0x"),
        ("", "wallet_address is required"),
        ("   ", "wallet_address is required"),
        (
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg",
            "wallet_address must contain only hex digits 0-9 and a-f after 0x; found 'g'",
        ),
        (
            "0x5aAeb6053F3E94C9 9A09f33669435E7Ef1BeAed",
            "wallet_address must contain only hex digits 0-9 and a-f after 0x; found ' '",
        ),
        (None, "wallet_address must be a string, got NoneType"),
        (123, "wallet_address must be a string, got int"),
        (
            b"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "wallet_address must be a string, got bytes",
        ),
    ],
)
def test_invalid_addresses_name_the_problem(value, message):
    with pytest.raises(InvalidWalletAddress) as excinfo:
        validate_wallet_address(value)
    assert str(excinfo.value) == message
