from __future__ import annotations

from decimal import Decimal

import pytest
from solders.pubkey import Pubkey

from walletreports.contracts.money import BIGINT_MAX
from walletreports.kit.errors import InvalidInput
from walletreports.localnet.programs import USDC_MINT, USDT_MINT
from walletreports.payments.domain import (
    Currency,
    InvalidAmount,
    currency_for_mint,
    format_amount,
    from_base_units,
    to_base_units,
)


def test_currencies_use_the_mints_the_localnet_creates():
    # The localnet recreates the real mainnet mints: one set of constants for both.
    assert Currency.USDC.mint == USDC_MINT
    assert Currency.USDT.mint == USDT_MINT
    assert Currency.USDC.mint == Pubkey.from_string("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v")
    assert Currency.USDT.mint == Pubkey.from_string("Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB")
    assert Currency.SOL.mint is None
    assert (Currency.USDC.decimals, Currency.USDT.decimals, Currency.SOL.decimals) == (6, 6, 9)


def test_currency_values_match_the_contracts():
    from typing import get_args

    from walletreports.contracts.money import Currency as ContractCurrency

    assert {c.value for c in Currency} == set(get_args(ContractCurrency))


def test_currency_for_mint():
    assert currency_for_mint(USDC_MINT) is Currency.USDC
    assert currency_for_mint(USDT_MINT) is Currency.USDT
    assert currency_for_mint(None) is Currency.SOL
    assert currency_for_mint(Pubkey.default()) is None


@pytest.mark.parametrize(
    ("amount", "decimals", "units"),
    [
        (Decimal("12.5"), 6, 12_500_000),
        (Decimal("0.000001"), 6, 1),
        (Decimal("1"), 9, 1_000_000_000),
        (Decimal("1.50"), 1, 15),  # trailing zeros are not decimals
        (Decimal("1E+3"), 0, 1000),
        (Decimal("0"), 6, 0),
        (Decimal("-0"), 6, 0),
        (Decimal("0E-40"), 6, 0),
        (7, 6, 7_000_000),
        (Decimal(BIGINT_MAX), 0, BIGINT_MAX),
        (Decimal("9.223372036854775807"), 18, BIGINT_MAX),
        # 30 significant digits, more than the Decimal context's 28: still exact.
        (Decimal("1" + "0" * 29 + "E-29"), 6, 1_000_000),
    ],
)
def test_to_base_units_is_exact(amount, decimals, units):
    assert to_base_units(amount, decimals) == units


@pytest.mark.parametrize(
    ("amount", "decimals", "reason"),
    [
        (Decimal("0.0000001"), 6, "too_many_decimals"),
        (Decimal("1.5"), 0, "too_many_decimals"),
        (Decimal("1E-1000000"), 9, "too_many_decimals"),
        (Decimal("-0.01"), 6, "negative"),
        (Decimal("NaN"), 6, "not_finite"),
        (Decimal("sNaN"), 6, "not_finite"),
        (Decimal("Infinity"), 6, "not_finite"),
        (Decimal("-Infinity"), 6, "not_finite"),
        (Decimal(BIGINT_MAX + 1), 0, "too_large"),
        (Decimal("9223372036854.775808"), 6, "too_large"),
        (Decimal("1E+999999999"), 6, "too_large"),
    ],
)
def test_to_base_units_refuses_what_is_not_an_exact_storable_amount(amount, decimals, reason):
    with pytest.raises(InvalidAmount) as caught:
        to_base_units(amount, decimals)
    assert caught.value.reason == reason
    assert caught.value.field == "amount"
    assert caught.value.as_dict() == {
        "code": "invalid_amount",
        "message": str(caught.value),
        "field": "amount",
        "reason": reason,
    }
    assert isinstance(caught.value, InvalidInput)


def test_the_field_can_be_named():
    with pytest.raises(InvalidAmount) as caught:
        to_base_units(Decimal("-1"), 6, field="refund_amount")
    assert caught.value.field == "refund_amount"


@pytest.mark.parametrize("bad", [1.5, True, "1.5", None])
def test_to_base_units_refuses_floats_and_other_types(bad):
    with pytest.raises(TypeError):
        to_base_units(bad, 6)


@pytest.mark.parametrize("decimals", [-1, 256])
def test_decimals_must_be_a_u8(decimals):
    with pytest.raises(ValueError):
        to_base_units(Decimal(1), decimals)
    with pytest.raises(ValueError):
        format_amount(1, decimals)


def test_from_base_units_is_exact_with_the_mint_places():
    assert from_base_units(12_500_000, 6) == Decimal("12.5")
    assert str(from_base_units(12_500_000, 6)) == "12.500000"
    assert from_base_units(BIGINT_MAX, 9) == Decimal("9223372036.854775807")
    assert from_base_units(5, 0) == Decimal(5)


@pytest.mark.parametrize(("units", "reason"), [(-1, "negative"), (BIGINT_MAX + 1, "too_large")])
def test_base_units_out_of_range_are_refused(units, reason):
    with pytest.raises(InvalidAmount) as caught:
        from_base_units(units, 6)
    assert caught.value.reason == reason
    with pytest.raises(InvalidAmount):
        format_amount(units, 6)


@pytest.mark.parametrize("bad", [1.0, True, Decimal(1), "1"])
def test_base_units_must_be_an_int(bad):
    with pytest.raises(TypeError):
        format_amount(bad, 6)
    with pytest.raises(TypeError):
        from_base_units(bad, 6)


@pytest.mark.parametrize(
    ("units", "decimals", "text"),
    [
        (12_500_000, 6, "12.5"),
        (1_000_000_000, 9, "1"),
        (10_000_000_000, 9, "10"),  # not 1E+1
        (1, 6, "0.000001"),  # not 1E-6, and a leading zero
        (10_000, 6, "0.01"),
        (0, 6, "0"),
        (0, 0, "0"),
        (120, 0, "120"),
        (BIGINT_MAX, 9, "9223372036.854775807"),
        (1_234_567_890, 6, "1234.56789"),
    ],
)
def test_format_amount_is_plain_and_minimal(units, decimals, text):
    assert format_amount(units, decimals) == text
