"""Money helpers. USD is `Decimal` with two places; crypto amounts are integer base units.

Nothing here accepts a float: a float price is a bug waiting to be rounded wrongly, so
it fails loudly instead.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

CENT = Decimal("0.01")
LAMPORTS_PER_SOL = 1_000_000_000


class Currency(StrEnum):
    """What a user can pay with. Values match `walletreports.contracts.money.Currency`."""

    USDC = "USDC"
    USDT = "USDT"
    SOL = "SOL"

    @property
    def decimals(self) -> int:
        """Base units per whole coin as a power of ten (USDC/USDT mints: 6; SOL: 9)."""
        return 9 if self is Currency.SOL else 6


def usd(value: Decimal | int | str) -> Decimal:
    """A USD amount rounded half-up to the cent. Refuses floats and non-finite values."""
    if isinstance(value, float | bool):
        raise TypeError(f"USD amounts must be Decimal, int or str, not {type(value).__name__}")
    amount = Decimal(value)
    if not amount.is_finite():
        raise ValueError(f"USD amount must be finite, got {value!r}")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def percent_off(amount: Decimal, percent: int) -> Decimal:
    """`amount` less `percent` %, to the cent (half-up): 25.00 less 20 % is 20.00."""
    return usd(amount * (100 - percent) / 100)


def lamports_to_sol(lamports: int) -> Decimal:
    """Exact SOL value of a lamport amount, for display only (never for arithmetic)."""
    # Division, not scaleb().normalize(): that would print 10 SOL as 1E+1.
    return Decimal(lamports) / LAMPORTS_PER_SOL
