"""Uniswap V2 on Ethereum, decoded as on Dune: `uniswap_v2_ethereum.Factory_evt_PairCreated`,
`.Pair_evt_Mint` and `.Pair_evt_Burn`.

A position is a Mint (the router adds the owner's tokens and the pair mints LP tokens to
the owner) and usually a later Burn (LP tokens back to the pair, both tokens to "to"). The
events' `sender` is the router, as on chain. Now and then a relayer signs the removal
(a permit-based withdrawal), so only the Burn's `to` names the owner.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from .chains import ETHEREUM, NATIVE_ADDRESS, Token, address
from .prices import raw_amount
from .tables import BLOB, DECODED_EVENT_COLUMNS, UINT256, Table
from .transfers import move
from .world import WINDOW_START, World, derived_address

PAIR_CREATED = Table(
    "uniswap_v2_ethereum.Factory_evt_PairCreated",
    (*DECODED_EVENT_COLUMNS, ("token0", BLOB), ("token1", BLOB), ("pair", BLOB), ("_0", UINT256)),
)
MINT = Table(
    "uniswap_v2_ethereum.Pair_evt_Mint",
    (*DECODED_EVENT_COLUMNS, ("sender", BLOB), ("amount0", UINT256), ("amount1", UINT256)),
)
BURN = Table(
    "uniswap_v2_ethereum.Pair_evt_Burn",
    (
        *DECODED_EVENT_COLUMNS,
        ("sender", BLOB),
        ("amount0", UINT256),
        ("amount1", UINT256),
        ("to", BLOB),
    ),
)
TABLES = (PAIR_CREATED, MINT, BURN)

FACTORY = address("0x5c69bee701ef814a2b6a3edd4b1652cb9cc5aa6f")
ROUTER = address("0x7a250d5630b4cf539739df2c5dacb4c659f2488d")


@dataclass(frozen=True)
class Pair:
    address: bytes
    token0: Token  # the lower address, as the factory orders them
    token1: Token
    created: datetime
    number: int  # the factory's pair count after this one (the event's unnamed `_0`)

    @property
    def lp_token(self) -> Token:
        return Token("ethereum", "UNI-V2", self.address, 18, None)


def _pair(a: str, b: str, where: str, created: datetime, number: int) -> Pair:
    """A pair of two Ethereum tokens at an address (or one derived from a label)."""
    token0, token1 = sorted((ETHEREUM.token(a), ETHEREUM.token(b)), key=lambda t: t.address)
    pair = address(where) if where.startswith("0x") else derived_address(where)
    return Pair(pair, token0, token1, created, number)


def _day(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


_LAUNCH = _day(2020, 5, 5)

PAIRS = (
    _pair("USDC", "WETH", "0xb4e16d0168e52d35cacd2c6185b44281ec28c9dc", _LAUNCH, 2),
    _pair("WETH", "USDT", "0x0d4a11d5eeaac28ec3f61d100daf4d40471f1852", _LAUNCH, 6),
    _pair("DAI", "WETH", "0xa478c2975ab1ea89e8196811f51a7b7ade33eb11", _LAUNCH, 8),
    _pair("PEPE", "WETH", "0xa43fe16908251ee70ef74718545e4fe6c5ccec9f", _day(2023, 4, 14), 300_611),
    _pair("FROG", "WETH", "uniswap-v2:FROG-WETH", _day(2023, 6, 20), 318_402),
)


def add_pairs(world: World) -> None:
    deployer = derived_address("uniswap-v2:pair-deployer")
    for pair in PAIRS:
        tx = world.transaction(ETHEREUM, pair.created, deployer, FACTORY)
        world.add(
            PAIR_CREATED,
            {
                **tx.event_columns(FACTORY),
                "token0": pair.token0.address,
                "token1": pair.token1.address,
                "pair": pair.address,
                "_0": pair.number,
            },
        )


def position(
    world: World, owner: bytes, budget: int, usd_scale: float, relayers: Sequence[bytes]
) -> int:
    """One LP position of `owner`: a Mint and, budget allowing, mostly a Burn. Returns how
    many events (rows the owner is party to) it made: 1 or 2."""
    rng = world.rng
    pair = rng.choice(PAIRS)
    opened = world.moment_on(ETHEREUM, after=max(WINDOW_START, pair.created))
    usd = usd_scale * math.exp(rng.uniform(math.log(200), math.log(40_000)))
    amount0, amount1, liquidity = _mint(world, pair, owner, opened, usd)
    if budget < 2 or rng.random() < 0.25:
        return 1
    signer = rng.choice(relayers) if rng.random() < 0.1 else owner
    drift = rng.uniform(0.85, 1.2)  # the pool's price moved; impermanent loss or gain
    _burn(
        world, pair, owner, signer, world.later(opened, 3, 240), amount0, amount1, liquidity, drift
    )
    return 2


def _mint(
    world: World, pair: Pair, owner: bytes, when: datetime, usd: float
) -> tuple[int, int, int]:
    tx = world.transaction(ETHEREUM, when, owner, ROUTER)
    amount0 = raw_amount(pair.token0, usd / 2, tx.block_time)
    amount1 = raw_amount(pair.token1, usd / 2, tx.block_time)
    liquidity = math.isqrt(amount0 * amount1)
    move(world, tx, pair.token0, owner, pair.address, amount0)
    move(world, tx, pair.token1, owner, pair.address, amount1)
    move(world, tx, pair.lp_token, NATIVE_ADDRESS, owner, liquidity)
    world.add(
        MINT,
        {
            **tx.event_columns(pair.address),
            "sender": ROUTER,
            "amount0": amount0,
            "amount1": amount1,
        },
    )
    world.needs_price(pair.token0, tx.block_time)
    world.needs_price(pair.token1, tx.block_time)
    return amount0, amount1, liquidity


def _burn(
    world: World,
    pair: Pair,
    owner: bytes,
    signer: bytes,
    when: datetime,
    amount0: int,
    amount1: int,
    liquidity: int,
    drift: float,
) -> None:
    tx = world.transaction(ETHEREUM, when, signer, ROUTER)
    out0, out1 = int(amount0 * drift), int(amount1 / drift)
    move(world, tx, pair.lp_token, owner, pair.address, liquidity)
    move(world, tx, pair.lp_token, pair.address, NATIVE_ADDRESS, liquidity)
    move(world, tx, pair.token0, pair.address, owner, out0)
    move(world, tx, pair.token1, pair.address, owner, out1)
    world.add(
        BURN,
        {
            **tx.event_columns(pair.address),
            "sender": ROUTER,
            "amount0": out0,
            "amount1": out1,
            "to": owner,
        },
    )
    world.needs_price(pair.token0, tx.block_time)
    world.needs_price(pair.token1, tx.block_time)
