"""The chains of the synthetic world, their tokens and their block clocks.

Token and contract addresses are modelled on the real deployments so that rows look like
Dune's; nothing depends on them being exact. Block numbers follow each chain's block time
from a reference block near 2024-01-01.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

NATIVE_ADDRESS = bytes(20)  # tokens.transfers names the native coin by the zero address


def address(hex_address: str) -> bytes:
    return bytes.fromhex(hex_address.removeprefix("0x"))


@dataclass(frozen=True)
class Token:
    chain: str
    symbol: str
    address: bytes
    decimals: int
    price_model: str | None  # key of prices.PRICE_MODELS; None: Dune has no price for it
    listed: bool = True  # in tokens.erc20, so Dune knows its symbol and decimals


@dataclass(frozen=True)
class Chain:
    name: str
    block_ms: int
    reference_block: int
    reference_time: datetime
    tokens: tuple[Token, ...]  # ERC-20s; the native coin is `native`
    launched: datetime = datetime(2015, 7, 30, tzinfo=UTC)  # no activity before this

    @property
    def native(self) -> Token:
        return Token(self.name, "ETH", NATIVE_ADDRESS, 18, "ETH")

    def token(self, symbol: str) -> Token:
        for token in self.tokens:
            if token.symbol == symbol:
                return token
        raise KeyError(f"{self.name} has no token {symbol}")

    def block_at(self, when: datetime) -> int:
        elapsed_ms = int((when - self.reference_time).total_seconds() * 1000)
        return self.reference_block + elapsed_ms // self.block_ms

    def block_time(self, block: int) -> datetime:
        offset = timedelta(milliseconds=(block - self.reference_block) * self.block_ms)
        # Block timestamps are whole seconds, even where blocks come faster.
        return (self.reference_time + offset).replace(microsecond=0)


_REFERENCE = datetime(2024, 1, 1, tzinfo=UTC)


def _tokens(chain: str, *specs: tuple[str, str, int, str | None]) -> tuple[Token, ...]:
    return tuple(Token(chain, s, address(a), d, p) for s, a, d, p in specs)


ETHEREUM = Chain(
    "ethereum",
    12_000,
    18_908_900,
    _REFERENCE,
    _tokens(
        "ethereum",
        ("WETH", "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2", 18, "ETH"),
        ("USDC", "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48", 6, "USD"),
        ("USDT", "0xdac17f958d2ee523a2206206994597c13d831ec7", 6, "USD"),
        ("DAI", "0x6b175474e89094c44da98b954eedeac495271d0f", 18, "USD"),
        ("WBTC", "0x2260fac5e5542a773aa44fbcfedf7c193bc2c599", 8, "BTC"),
        ("UNI", "0x1f9840a85d5af5bf1d1762f925bdaddc4201f984", 18, "UNI"),
        ("LINK", "0x514910771af9ca656af840dff83e8264ecf986ca", 18, "LINK"),
        ("PEPE", "0x6982508145454ce325ddbe47a25d4ec3d2311933", 18, "PEPE"),
        # A listed long-tail token without a price: its USD values must come out null.
        ("FROG", "0xf70c0f7d3b1c5b2e8d6a1b3c4d5e6f708192a3b4", 18, None),
    ),
)

ARBITRUM = Chain(
    "arbitrum",
    250,
    166_800_000,
    _REFERENCE,
    _tokens(
        "arbitrum",
        ("WETH", "0x82af49447d8a07e3bd95bd0d56f35241523fbab1", 18, "ETH"),
        ("USDC", "0xaf88d065e77c8cc2239327c5edb3a432268e5831", 6, "USD"),
        ("USDT", "0xfd086bc7cd5c481dcc9c85ebe478a1c0b69fcbb9", 6, "USD"),
        ("WBTC", "0x2f2a2543b76a4166549f7aab2e75bef0aefc5b0f", 8, "BTC"),
        ("ARB", "0x912ce59144191c1204e64559fe8253a0e49e6548", 18, "ARB"),
        ("GMX", "0xfc5a1a6eb076a2c7ad06ed22c90d7e710e35ad0a", 18, "GMX"),
    ),
)

BASE = Chain(
    "base",
    2_000,
    8_880_000,
    _REFERENCE,
    _tokens(
        "base",
        ("WETH", "0x4200000000000000000000000000000000000006", 18, "ETH"),
        ("USDC", "0x833589fcd6edb6e08f4c7c32d4f71b54bda02913", 6, "USD"),
        ("cbBTC", "0xcbb7c0000ab88b473b1f5afd9ef808440eed33bf", 8, "BTC"),
        ("AERO", "0x940181a94a35a4569e4529a3cdfb74e38fd98631", 18, "AERO"),
        ("DEGEN", "0x4ed4e862860bed51a9570b96d89af5e1b0efefed", 18, "DEGEN"),
    ),
    launched=datetime(2023, 8, 9, tzinfo=UTC),
)

OPTIMISM = Chain(
    "optimism",
    2_000,
    114_350_000,
    _REFERENCE,
    _tokens(
        "optimism",
        ("WETH", "0x4200000000000000000000000000000000000006", 18, "ETH"),
        ("USDC", "0x0b2c639c533813f4aa9d7837caf62653d097ff85", 6, "USD"),
        ("USDT", "0x94b008aa00579c1307b0ef2c499ad98a8ce58e58", 6, "USD"),
        ("OP", "0x4200000000000000000000000000000000000042", 18, "OP"),
    ),
)

CHAINS = {chain.name: chain for chain in (ETHEREUM, ARBITRUM, BASE, OPTIMISM)}
