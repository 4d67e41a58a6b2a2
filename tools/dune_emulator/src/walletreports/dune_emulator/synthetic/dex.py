"""dex.trades: one row per pool a swap passes through, with the swap's token movements in
tokens.transfers in the same transaction.

Swaps come in the shapes that decide whose trade a row is:
- direct: the trader signs and receives (taker = tx_from = trader); paying or receiving
  native ETH goes through the router, which then is the taker;
- aggregator: the trader signs, the aggregator's router is the taker;
- relayed: a gasless order, a relayer signs, the trader is the taker;
- multi-hop: two rows in one transaction (A -> WETH -> C), the first hop's taker is the
  second pool.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

from .chains import Chain, Token, address
from .prices import price_on_dune, raw_amount
from .tables import BIGINT, BLOB, DATE, DOUBLE, TIMESTAMPTZ, UINT256, VARCHAR, Table
from .transfers import move
from .world import Transaction, World, derived_address

DEX_TRADES = Table(
    "dex.trades",
    (
        ("blockchain", VARCHAR),
        ("project", VARCHAR),
        ("version", VARCHAR),
        ("block_month", DATE),
        ("block_date", DATE),
        ("block_time", TIMESTAMPTZ),
        ("block_number", BIGINT),
        ("token_bought_symbol", VARCHAR),
        ("token_sold_symbol", VARCHAR),
        ("token_pair", VARCHAR),
        ("token_bought_amount", DOUBLE),
        ("token_sold_amount", DOUBLE),
        ("token_bought_amount_raw", UINT256),
        ("token_sold_amount_raw", UINT256),
        ("amount_usd", DOUBLE),
        ("token_bought_address", BLOB),
        ("token_sold_address", BLOB),
        ("taker", BLOB),
        ("maker", BLOB),
        ("project_contract_address", BLOB),
        ("tx_hash", BLOB),
        ("tx_from", BLOB),
        ("tx_to", BLOB),
        ("evt_index", BIGINT),
    ),
)

VENUES = {
    "ethereum": (("uniswap", "3"), ("uniswap", "2"), ("sushiswap", "1"), ("balancer", "2")),
    "arbitrum": (("uniswap", "3"), ("camelot", "2"), ("sushiswap", "1")),
    "base": (("uniswap", "3"), ("aerodrome", "1")),
    "optimism": (("uniswap", "3"), ("velodrome", "2")),
}
AGGREGATOR_ROUTER = address("0x1111111254eeb25477b68fb85ed929f73a960582")  # 1inch v5

_SHAPES = ("direct", "aggregator", "relayed", "multi_hop")
_SHAPE_WEIGHTS = (50, 25, 10, 15)


def router(chain: Chain) -> bytes:
    return derived_address(f"swap-router:{chain.name}")


def settlement(chain: Chain) -> bytes:
    return derived_address(f"settlement:{chain.name}")


def swaps(
    world: World,
    trader: bytes,
    chains: Sequence[Chain],
    rows: int,
    *,
    usd_scale: float,
    relayers: Sequence[bytes],
) -> None:
    """Swaps by `trader` adding up to exactly `rows` dex.trades rows."""
    rng = world.rng
    remaining = rows
    while remaining:
        chain = rng.choice(chains)
        shape = rng.choices(_SHAPES, _SHAPE_WEIGHTS)[0]
        if shape == "multi_hop" and remaining < 2:
            shape = "direct"
        usd = usd_scale * math.exp(rng.uniform(math.log(20), math.log(25_000)))
        when = world.moment_on(chain)
        if shape == "multi_hop":
            _multi_hop(world, chain, trader, usd, when)
            remaining -= 2
        else:
            _single_hop(world, chain, trader, shape, usd, when, relayers)
            remaining -= 1


def _single_hop(
    world: World,
    chain: Chain,
    trader: bytes,
    shape: str,
    usd: float,
    when: datetime,
    relayers: Sequence[bytes],
) -> None:
    rng = world.rng
    sold, bought = _pair(world, chain)
    project, version = rng.choice(VENUES[chain.name])
    pool = _pool(chain, project, version, sold, bought)
    if shape == "aggregator":
        tx = world.transaction(chain, when, trader, AGGREGATOR_ROUTER)
        sold_raw, bought_raw = _amounts(sold, bought, usd, tx)
        move(world, tx, sold, trader, AGGREGATOR_ROUTER, sold_raw)
        move(world, tx, sold, AGGREGATOR_ROUTER, pool, sold_raw)
        move(world, tx, bought, pool, AGGREGATOR_ROUTER, bought_raw)
        move(world, tx, bought, AGGREGATOR_ROUTER, trader, bought_raw)
        taker = AGGREGATOR_ROUTER
    elif shape == "relayed":
        tx = world.transaction(chain, when, rng.choice(relayers), settlement(chain))
        sold_raw, bought_raw = _amounts(sold, bought, usd, tx)
        move(world, tx, sold, trader, settlement(chain), sold_raw)
        move(world, tx, sold, settlement(chain), pool, sold_raw)
        move(world, tx, bought, pool, trader, bought_raw)
        taker = trader
    else:
        tx = world.transaction(chain, when, trader, router(chain))
        sold_raw, bought_raw = _amounts(sold, bought, usd, tx)
        taker = trader
        if sold.symbol == "WETH" and rng.random() < 0.35:  # pays in ETH, the router wraps it
            move(world, tx, chain.native, trader, router(chain), sold_raw, top_level=True)
            move(world, tx, sold, router(chain), pool, sold_raw)
        else:
            move(world, tx, sold, trader, pool, sold_raw)
        if bought.symbol == "WETH" and rng.random() < 0.35:  # takes ETH, the router unwraps
            move(world, tx, bought, pool, router(chain), bought_raw)
            move(world, tx, chain.native, router(chain), trader, bought_raw)
            taker = router(chain)
        else:
            move(world, tx, bought, pool, trader, bought_raw)
    _trade(world, tx, project, version, pool, sold, sold_raw, bought, bought_raw, taker)


def _multi_hop(world: World, chain: Chain, trader: bytes, usd: float, when: datetime) -> None:
    rng = world.rng
    weth = chain.token("WETH")
    first, last = rng.sample([t for t in chain.tokens if t.symbol != "WETH"], 2)
    (project_1, version_1), (project_2, version_2) = rng.sample(VENUES[chain.name], 2)
    pool_1 = _pool(chain, project_1, version_1, first, weth)
    pool_2 = _pool(chain, project_2, version_2, weth, last)
    tx = world.transaction(chain, when, trader, router(chain))
    first_raw, middle_raw = _amounts(first, weth, usd, tx)
    _, last_raw = _amounts(weth, last, usd * 0.997, tx)
    move(world, tx, first, trader, pool_1, first_raw)
    move(world, tx, weth, pool_1, pool_2, middle_raw)
    _trade(world, tx, project_1, version_1, pool_1, first, first_raw, weth, middle_raw, pool_2)
    move(world, tx, last, pool_2, trader, last_raw)
    _trade(world, tx, project_2, version_2, pool_2, weth, middle_raw, last, last_raw, trader)


def _pair(world: World, chain: Chain) -> tuple[Token, Token]:
    # Nearly every real trade has WETH or a stablecoin on one side.
    rng = world.rng
    anchor = chain.token(rng.choice(("WETH", "WETH", "USDC")))
    other = rng.choice([t for t in chain.tokens if t is not anchor])
    return (anchor, other) if rng.random() < 0.5 else (other, anchor)


def _pool(chain: Chain, project: str, version: str, a: Token, b: Token) -> bytes:
    first, second = sorted((a.symbol, b.symbol))
    return derived_address(f"pool:{chain.name}:{project}:{version}:{first}:{second}")


def _amounts(sold: Token, bought: Token, usd: float, tx: Transaction) -> tuple[int, int]:
    # The bought side is worth a little less: pool fee and price impact.
    sold_raw = raw_amount(sold, usd, tx.block_time)
    bought_raw = raw_amount(bought, usd * 0.996, tx.block_time)
    return sold_raw, bought_raw


def _trade(
    world: World,
    tx: Transaction,
    project: str,
    version: str,
    pool: bytes,
    sold: Token,
    sold_raw: int,
    bought: Token,
    bought_raw: int,
    taker: bytes,
) -> None:
    sold_amount = sold_raw / 10**sold.decimals if sold.listed else None
    bought_amount = bought_raw / 10**bought.decimals if bought.listed else None
    # Like Dune: the USD value of whichever side has a price, the sold side first.
    sold_price = price_on_dune(sold, tx.block_time)
    bought_price = price_on_dune(bought, tx.block_time)
    if sold_price is not None and sold_amount is not None:
        amount_usd: float | None = sold_amount * sold_price
    elif bought_price is not None and bought_amount is not None:
        amount_usd = bought_amount * bought_price
    else:
        amount_usd = None
    world.add(
        DEX_TRADES,
        {
            "blockchain": tx.chain.name,
            "project": project,
            "version": version,
            "block_month": tx.block_month,
            "block_date": tx.block_date,
            "block_time": tx.block_time,
            "block_number": tx.block_number,
            "token_bought_symbol": bought.symbol,
            "token_sold_symbol": sold.symbol,
            "token_pair": "-".join(sorted((sold.symbol, bought.symbol), key=str.lower)),
            "token_bought_amount": bought_amount,
            "token_sold_amount": sold_amount,
            "token_bought_amount_raw": bought_raw,
            "token_sold_amount_raw": sold_raw,
            "amount_usd": amount_usd,
            "token_bought_address": bought.address,
            "token_sold_address": sold.address,
            "taker": taker,
            "maker": pool,
            "project_contract_address": pool,
            "tx_hash": tx.hash,
            "tx_from": tx.sender,
            "tx_to": tx.to,
            "evt_index": tx.log_index(),
        },
    )
