"""Token metadata and USD prices: `tokens.erc20` and `prices.usd`.

Prices are a pure function of the token's model and the time (slow yearly swings plus
faster wiggles, no randomness), so every table that values a token at a moment
(dex.trades amount_usd, tokens.transfers price_usd, prices.usd) agrees with the others.
prices.usd, minute by minute on Dune, holds here only the minutes some synthetic event
needs, which is all a join on the event's minute can find.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from .chains import CHAINS, Token
from .tables import BLOB, DOUBLE, INTEGER, TIMESTAMPTZ, VARCHAR, Table

TOKENS_ERC20 = Table(
    "tokens.erc20",
    (
        ("blockchain", VARCHAR),
        ("contract_address", BLOB),
        ("symbol", VARCHAR),
        ("decimals", INTEGER),
    ),
)

PRICES_USD = Table(
    "prices.usd",
    (
        ("minute", TIMESTAMPTZ),
        ("blockchain", VARCHAR),
        ("contract_address", BLOB),
        ("decimals", INTEGER),
        ("symbol", VARCHAR),
        ("price", DOUBLE),
    ),
)

# model: (typical USD price, yearly swing as a log-amplitude, phase)
PRICE_MODELS = {
    "ETH": (2_700.0, 0.30, 0.0),
    "BTC": (58_000.0, 0.35, 0.7),
    "UNI": (8.5, 0.40, 1.3),
    "LINK": (14.0, 0.38, 2.1),
    "PEPE": (0.000009, 0.60, 2.9),
    "ARB": (1.05, 0.45, 3.7),
    "GMX": (34.0, 0.35, 4.4),
    "OP": (2.1, 0.45, 5.0),
    "AERO": (0.95, 0.60, 0.4),
    "DEGEN": (0.012, 0.70, 1.9),
    # Unpriced on Dune, but trades and deposits still need a plausible size.
    "FROG": (0.0004, 0.80, 2.2),
}

_EPOCH = datetime(2023, 1, 1, tzinfo=UTC)


def usd_price(model: str, when: datetime) -> float:
    days = (when - _EPOCH).total_seconds() / 86_400
    if model == "USD":
        return round(1 + 0.0015 * math.sin(days * 0.9), 6)
    typical, swing, phase = PRICE_MODELS[model]
    wiggle = (
        swing * math.sin(2 * math.pi * days / 365 + phase)
        + 0.06 * math.sin(2 * math.pi * days / 23 + 2 * phase)
        + 0.01 * math.sin(2 * math.pi * days / 1.3)
    )
    return float(f"{typical * math.exp(wiggle):.8g}")


def price_on_dune(token: Token, when: datetime) -> float | None:
    """The price Dune would show for `token` at `when`, or None where it has none."""
    if token.price_model is None or not token.listed:
        return None
    return usd_price(token.price_model, when)


def market_price(token: Token, when: datetime) -> float:
    """What the token trades at, priced on Dune or not: sizes amounts realistically."""
    return usd_price(token.price_model or "FROG", when)


def raw_amount(token: Token, usd: float, when: datetime) -> int:
    """The token's base units worth `usd` at `when` (at least one unit)."""
    return max(1, int(usd / market_price(token, when) * 10**token.decimals))


def erc20_rows(extra: list[Token]) -> list[dict[str, object]]:
    tokens = [token for chain in CHAINS.values() for token in chain.tokens] + extra
    return [
        {
            "blockchain": token.chain,
            "contract_address": token.address,
            "symbol": token.symbol,
            "decimals": token.decimals,
        }
        for token in tokens
        if token.listed
    ]


def price_row(token: Token, minute: datetime) -> dict[str, object] | None:
    price = price_on_dune(token, minute)
    if price is None:
        return None
    return {
        "minute": minute,
        "blockchain": token.chain,
        "contract_address": token.address,
        "decimals": token.decimals,
        "symbol": token.symbol,
        "price": price,
    }
