"""The currencies payments accepts and exact conversion between user and base units.

A user sees `12.5 USDC`; the chain, the database and every event carry `12500000` base
units. Conversion is integer arithmetic on the Decimal's digits, never a float and never
the Decimal context (whose 28-digit precision would round a long amount silently), and
it refuses what cannot be represented exactly rather than rounding it: an amount with
more decimals than the mint has, a negative or non-finite one, or one beyond what a
BIGINT column holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from solders.pubkey import Pubkey

from walletreports.contracts.money import BIGINT_MAX
from walletreports.kit.errors import InvalidInput

__all__ = [
    "LAMPORTS_PER_SOL",
    "MAX_MINT_DECIMALS",
    "SOL_DECIMALS",
    "USDC_MINT",
    "USDT_MINT",
    "Currency",
    "CurrencySpec",
    "InvalidAmount",
    "currency_for_mint",
    "format_amount",
    "from_base_units",
    "to_base_units",
]

# A mint's `decimals` is a u8 on chain.
MAX_MINT_DECIMALS = 255
# An amount whose base units need more digits than this cannot fit a BIGINT.
_BIGINT_DIGITS = len(str(BIGINT_MAX))


class InvalidAmount(InvalidInput):
    """An amount that cannot be an exact, storable number of base units.

    `reason` (in the error envelope) says which rule it broke: `not_finite`, `negative`,
    `too_many_decimals`, `too_large` or `malformed`.
    """

    code = "invalid_amount"

    def __init__(self, message: str, *, reason: str, field: str = "amount") -> None:
        super().__init__(message, field=field, reason=reason)
        self.reason = reason


class Currency(StrEnum):
    """What an invoice can be paid with. Values match `walletreports.contracts.money.Currency`."""

    USDC = "USDC"
    USDT = "USDT"
    SOL = "SOL"

    @property
    def mint(self) -> Pubkey | None:
        """The SPL token mint, or None for native SOL (a Solana Pay URL then has no spl-token)."""
        return _SPECS[self].mint

    @property
    def decimals(self) -> int:
        """Base units per whole coin as a power of ten (USDC/USDT mints: 6; SOL: 9)."""
        return _SPECS[self].decimals


@dataclass(frozen=True, slots=True)
class CurrencySpec:
    mint: Pubkey | None
    decimals: int


# The real mainnet mints (the localnet recreates them at these addresses at genesis, see
# tools/localnet programs.py), so the same URLs work on localnet and mainnet.
USDC_MINT = Pubkey.from_string("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v")
USDT_MINT = Pubkey.from_string("Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB")
SOL_DECIMALS = 9
LAMPORTS_PER_SOL = 10**SOL_DECIMALS

_SPECS: dict[Currency, CurrencySpec] = {
    Currency.USDC: CurrencySpec(USDC_MINT, 6),
    Currency.USDT: CurrencySpec(USDT_MINT, 6),
    Currency.SOL: CurrencySpec(None, SOL_DECIMALS),
}
_BY_MINT: dict[Pubkey | None, Currency] = {spec.mint: cur for cur, spec in _SPECS.items()}


def currency_for_mint(mint: Pubkey | None) -> Currency | None:
    """The accepted currency with this mint (None = native SOL), or None if not accepted."""
    return _BY_MINT.get(mint)


def _check_decimals(decimals: object) -> int:
    if isinstance(decimals, bool) or not isinstance(decimals, int):
        raise TypeError(f"decimals must be an int, not {type(decimals).__name__}")
    if not 0 <= decimals <= MAX_MINT_DECIMALS:
        raise ValueError(f"decimals must be 0..{MAX_MINT_DECIMALS}, got {decimals}")
    return decimals


def to_base_units(amount: Decimal | int, decimals: int, *, field: str = "amount") -> int:
    """The exact number of base units in `amount` user units of a mint with `decimals`.

    `Decimal("12.5")` at 6 decimals is 12_500_000. Trailing zeros do not count as
    decimals (`1.50` at 1 decimal is 15); a non-zero digit beyond the mint's decimals
    does, and is refused instead of rounded: rounding would charge or credit someone a
    fraction nobody asked for. Floats are refused with TypeError (a float amount is a bug).
    """
    decimals = _check_decimals(decimals)
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise TypeError(f"amounts must be Decimal or int, not {type(amount).__name__}")
    value = Decimal(amount)
    if not value.is_finite():
        raise InvalidAmount(
            f"{field} must be a finite number, got {value}", reason="not_finite", field=field
        )
    sign, digit_tuple, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite, checked above
    # Drop trailing zeros by hand (not `normalize()`, which obeys the context precision):
    # afterwards the last digit is non-zero, so any digit below a base unit is a real one.
    digits = list(digit_tuple)
    while digits and digits[-1] == 0:
        digits.pop()
        exponent += 1
    if not digits:
        return 0  # also -0 and 0E-40: zero, exactly
    if sign:
        raise InvalidAmount(
            f"{field} must not be negative, got {value}", reason="negative", field=field
        )
    shift = exponent + decimals
    if shift < 0:
        raise InvalidAmount(
            f"{field} {value} has more decimals than the currency's {decimals}",
            reason="too_many_decimals",
            field=field,
        )
    # Checked before any arithmetic, so a hostile `1E+999999999` costs nothing.
    if len(digits) + shift > _BIGINT_DIGITS:
        raise _too_large(field, value)
    units: int = int("".join(map(str, digits))) * 10**shift  # int ** int is Any to mypy
    if units > BIGINT_MAX:
        raise _too_large(field, value)
    return units


def _too_large(field: str, value: Decimal) -> InvalidAmount:
    return InvalidAmount(
        f"{field} {value} is more base units than can be stored (max {BIGINT_MAX})",
        reason="too_large",
        field=field,
    )


def _check_base_units(base_units: object, field: str) -> int:
    if isinstance(base_units, bool) or not isinstance(base_units, int):
        raise TypeError(f"base units must be an int, not {type(base_units).__name__}")
    if base_units < 0:
        raise InvalidAmount(
            f"{field} must not be negative, got {base_units}", reason="negative", field=field
        )
    if base_units > BIGINT_MAX:
        raise InvalidAmount(
            f"{field} {base_units} is more than can be stored (max {BIGINT_MAX})",
            reason="too_large",
            field=field,
        )
    return base_units


def from_base_units(base_units: int, decimals: int, *, field: str = "amount") -> Decimal:
    """The exact user-unit value of `base_units`, e.g. 12_500_000 at 6 decimals is 12.500000.

    The result carries exactly `decimals` places; use `format_amount` to show it.
    """
    decimals = _check_decimals(decimals)
    units = _check_base_units(base_units, field)
    return Decimal((0, tuple(int(d) for d in str(units)), -decimals))


def format_amount(base_units: int, decimals: int, *, field: str = "amount") -> str:
    """`base_units` in user units as the Solana Pay spec wants an amount written.

    Plain digits with `.` as separator, a leading zero below 1, never an exponent, no
    trailing zeros and no trailing dot: 12_500_000 at 6 decimals is `12.5`, 10**9 at 9 is
    `1`, 1 at 6 is `0.000001`. (Decimal's own `str` and `normalize` would print `1E+1`.)
    """
    decimals = _check_decimals(decimals)
    units = _check_base_units(base_units, field)
    whole, fraction = divmod(units, 10**decimals)
    fraction_digits = str(fraction).zfill(decimals).rstrip("0") if decimals else ""
    return f"{whole}.{fraction_digits}" if fraction_digits else str(whole)
