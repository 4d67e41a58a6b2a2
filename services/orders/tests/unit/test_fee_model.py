"""The second seed's fee examples, to the lamport. See fee_model's docstring for the rule."""

from __future__ import annotations

from decimal import Decimal

import pytest

from walletreports.orders.domain.errors import InvalidRiskScore, InvalidTokensUsed
from walletreports.orders.domain.fee_model import calculate_audit_fee, parse_risk_score
from walletreports.orders.domain.money import lamports_to_sol


def fee(catalog, tokens_used, risk_score, is_subscriber=False):
    return calculate_audit_fee(
        catalog.audit_fee,
        tokens_used=tokens_used,
        risk_score=risk_score,
        is_subscriber=is_subscriber,
    )


def test_seed_low_risk_example(catalog):
    # Seed: Base 0.005, Tokens 1,000 -> +0.000001, 1.0x, Total 0.005001 SOL.
    result = fee(catalog, 1_000, "2")
    assert result.base_lamports == 5_000_000
    assert result.usage_lamports == 1_000
    assert result.risk_multiplier == Decimal("1.0")
    assert result.discount_lamports == 0
    assert result.total_lamports == 5_001_000
    assert result.total_sol == Decimal("0.005001")


def test_seed_high_risk_example(catalog):
    # Seed: Base 0.005, Tokens 1,234 -> +0.000001, 1.8x, Total 0.009002 SOL.
    # Exactly (5_000_000 + 1_234) x 1.8 = 9_002_221.2 lamports; rounded to the micro-SOL.
    result = fee(catalog, 1_234, "7")
    assert result.usage_lamports == 1_234  # the seed prints it as 0.000001 (six decimals)
    assert result.risk_multiplier == Decimal("1.8")
    assert result.fee_before_discount_lamports == 9_002_000
    assert result.total_lamports == 9_002_000
    assert result.total_sol == Decimal("0.009002")


def test_seed_subscription_example(catalog):
    # Seed: 0.009002 SOL, Discount -0.0018004 SOL, Total 0.0072016 SOL.
    result = fee(catalog, 1_234, "7", is_subscriber=True)
    assert result.fee_before_discount_lamports == 9_002_000
    assert result.discount_percent == 20
    assert result.discount_lamports == 1_800_400
    assert result.total_lamports == 7_201_600
    assert result.total_sol == Decimal("0.0072016")


def test_seed_api_example_is_the_subscription_example_rounded_for_display(catalog):
    # The seed's API example, calculate_audit_fee(tokens_used=1234, risk_score="7",
    # is_subscriber=True), shows fee_lamports 7_200_000 / fee_sol 0.0072 / discount 0.0018.
    # Same inputs as the example above, which says 0.0072016: the API numbers are that
    # value rounded to four decimals for display (and the Telegram "0.0072000 SOL" too).
    # The seed contradicts itself; we charge the worked example, 7_201_600 lamports.
    result = fee(catalog, 1234, "7", is_subscriber=True)
    assert result.total_lamports == 7_201_600
    assert round(result.total_sol, 4) == Decimal("0.0072")  # the seed's displayed fee_sol
    assert round(lamports_to_sol(result.discount_lamports), 4) == Decimal("0.0018")
    assert result.usage_lamports == 1_234  # displayed as token_fee_sol 0.000001
    assert round(lamports_to_sol(result.usage_lamports), 6) == Decimal("0.000001")


def test_the_seed_formula_line_is_not_what_the_examples_charge(catalog):
    # "Token cost: tokens_used / 1,000,000 SOL" would make the Low-Risk total 0.006 SOL.
    # The examples charge a thousandth of that; we follow the examples.
    literal_formula_total = 5_000_000 + 1_000 * 1_000
    assert fee(catalog, 1_000, 2).total_lamports != literal_formula_total
    assert catalog.audit_fee.usage_lamports_per_token == 1


@pytest.mark.parametrize(
    ("score", "multiplier", "total"),
    [
        (1, "1.0", 5_000_000),
        (2, "1.0", 5_000_000),
        (3, "1.1", 5_500_000),
        (4, "1.1", 5_500_000),
        (5, "1.2", 6_000_000),
        (6, "1.5", 7_500_000),
        (7, "1.8", 9_000_000),
        (8, "2.0", 10_000_000),
        (9, "2.5", 12_500_000),
        (10, "3.0", 15_000_000),
    ],
)
def test_every_risk_score_has_one_multiplier(catalog, score, multiplier, total):
    result = fee(catalog, 0, score)
    assert result.risk_multiplier == Decimal(multiplier)
    assert result.total_lamports == total


@pytest.mark.parametrize(
    ("tokens", "score", "total"),
    [
        (499, 1, 5_000_000),  # 5_000_499 -> down to 5_000_000
        (500, 1, 5_001_000),  # exactly half a micro-SOL -> half-up
        (1_500, 1, 5_002_000),  # 5_001_500 -> half-up
        (1_400, 7, 9_003_000),  # 5_001_400 x 1.8 = 9_002_520 -> 9_003_000
        (0, 3, 5_500_000),
        (10_000_000, 10, 45_000_000),  # the cap: (5_000_000 + 10_000_000) x 3
    ],
)
def test_rounding_is_half_up_to_the_micro_sol_once(catalog, tokens, score, total):
    assert fee(catalog, tokens, score).total_lamports == total


def test_discount_is_exact_and_total_always_whole_lamports(catalog):
    for tokens in (0, 1, 777, 1_234, 99_999, 10_000_000):
        for score in range(1, 11):
            plain = fee(catalog, tokens, score)
            sub = fee(catalog, tokens, score, is_subscriber=True)
            assert plain.total_lamports % 1_000 == 0
            assert sub.discount_lamports * 5 == plain.total_lamports  # exactly 20 %
            assert sub.total_lamports == plain.total_lamports - sub.discount_lamports
            assert isinstance(sub.total_lamports, int)


@pytest.mark.parametrize(
    "score", ["11", "abc", "0", "", "7.0", " 7", "-1", 11, 0, -3, 7.0, None, True, Decimal(7)]
)
def test_invalid_risk_score(catalog, score):
    with pytest.raises(InvalidRiskScore, match=r"^Invalid risk score") as excinfo:
        fee(catalog, 1_000, score)
    assert excinfo.value.code == "invalid_risk_score"
    assert excinfo.value.field == "risk_score"


@pytest.mark.parametrize(("value", "expected"), [("1", 1), ("10", 10), ("07", 7), (5, 5)])
def test_risk_score_accepts_ints_and_digit_strings(value, expected):
    assert parse_risk_score(value) == expected


@pytest.mark.parametrize(
    ("tokens", "message"),
    [
        (-1, "Invalid tokens_used: must not be negative, got -1"),
        (10_000_001, "Invalid tokens_used: 10000001 is above the cap of 10000000"),
        (10**30, "is above the cap"),
        (1.5, "Invalid tokens_used: must be an integer, got 1.5"),
        ("1000", "Invalid tokens_used: must be an integer, got '1000'"),
        (True, "must be an integer"),
        (None, "must be an integer"),
    ],
)
def test_invalid_tokens_used(catalog, tokens, message):
    with pytest.raises(InvalidTokensUsed) as excinfo:
        fee(catalog, tokens, 2)
    assert message in str(excinfo.value)
    assert excinfo.value.code == "invalid_tokens_used"


def test_is_subscriber_must_be_a_bool(catalog):
    with pytest.raises(TypeError):
        fee(catalog, 1_000, 2, is_subscriber="yes")


def test_no_floats_in_the_breakdown(catalog):
    result = fee(catalog, 1_234, 7, is_subscriber=True)
    for name in result.__dataclass_fields__:
        assert not isinstance(getattr(result, name), float), name
