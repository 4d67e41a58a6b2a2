"""Money types shared by events. Amounts are integers in base units; USD is Decimal."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

Currency = Literal["USDC", "USDT", "SOL"]

# Base units (lamports, token base units). Never negative on the wire, and within what
# every service's BIGINT column holds: a larger amount is refused at the door (and
# dead-lettered with the reason) instead of failing its consumer's insert forever.
BIGINT_MAX = 2**63 - 1
BaseUnits = Annotated[int, Field(ge=0, le=BIGINT_MAX, strict=True)]

# USD prices: at most two decimal places, never a float.
Usd = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2, allow_inf_nan=False)]
