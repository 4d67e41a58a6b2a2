"""What money is worth to an invoice: exact USD values and the tolerance bounds.

Everything here is exact. USD is `Decimal` computed in a context that traps `Inexact`
(a rounding would raise instead of silently moving a cent), amounts are integers in base
units, and the one rounding that must happen (how many lamports a USD price costs at a
rate) is done on `Fraction`s and always rounds up, so that paying exactly the amount
asked always covers the price.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Context, Decimal, Inexact, InvalidOperation, localcontext
from fractions import Fraction
from types import MappingProxyType

from walletreports.contracts.money import Currency

from . import money

# Decimals per currency. USDC and USDT are 6-decimal SPL tokens pegged 1:1 to USD; SOL
# has 9 (lamports).
# From the currencies' own specs (money.py), by the contracts' currency names.
DECIMALS: Mapping[Currency, int] = MappingProxyType(
    {
        "USDC": money.Currency.USDC.decimals,
        "USDT": money.Currency.USDT.decimals,
        "SOL": money.Currency.SOL.decimals,
    }
)
STABLECOINS: frozenset[Currency] = frozenset({"USDC", "USDT"})

# 200 digits hold any BIGINT amount times any sane rate; traps make a rounding an error.
_EXACT = Context(prec=200, traps=[Inexact, InvalidOperation])


def usd_value(currency: Currency, amount_base_units: int, usd_per_unit: Decimal) -> Decimal:
    """`amount_base_units` of `currency` in USD at `usd_per_unit` (1 for stablecoins)."""
    with localcontext(_EXACT):
        return Decimal(amount_base_units).scaleb(-DECIMALS[currency]) * usd_per_unit


def stablecoin_base_units(price_usd: Decimal, currency: Currency) -> int:
    """A USD price in USDC/USDT base units, 1:1; a price finer than the token refuses."""
    if currency not in STABLECOINS:
        raise ValueError(f"{currency} is not a stablecoin")
    with localcontext(_EXACT):
        scaled = price_usd.scaleb(DECIMALS[currency])
        if scaled != scaled.to_integral_value():
            raise ValueError(f"price {price_usd} has more decimals than {currency} holds")
        return int(scaled)


def sol_base_units(price_usd: Decimal, usd_per_sol: Decimal) -> int:
    """Lamports that cover `price_usd` at `usd_per_sol`, rounded up to the next lamport."""
    if usd_per_sol <= 0:
        raise ValueError(f"a SOL rate must be positive, got {usd_per_sol}")
    lamports: Fraction = Fraction(price_usd) * 10 ** DECIMALS["SOL"] / Fraction(usd_per_sol)
    return math.ceil(lamports)


def acceptance_bounds(price_usd: Decimal, tolerance_percent: Decimal) -> tuple[Decimal, Decimal]:
    """(least accepted, most accepted without being an overpayment), both inclusive."""
    with localcontext(_EXACT):
        slack = price_usd * tolerance_percent.scaleb(-2)
        return price_usd - slack, price_usd + slack
