"""Amounts as a person reads them: base units over the currency's decimals, exactly."""

from __future__ import annotations

from decimal import Decimal

DECIMALS = {"USDC": 6, "USDT": 6, "SOL": 9}


def user_units(currency: str, base_units: int) -> str:
    """12_500_000 USDC base units -> "12.5"; 25_000_000 -> "25"; 1 lamport -> "0.000000001"."""
    decimals = DECIMALS.get(currency, 0)
    value = Decimal(base_units).scaleb(-decimals)
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def amount(currency: str, base_units: int) -> str:
    """'25 USDC', '0.166666667 SOL'."""
    return f"{user_units(currency, base_units)} {currency}"


def usd(value: Decimal) -> str:
    return f"USD {value.quantize(Decimal('0.01'))}"
