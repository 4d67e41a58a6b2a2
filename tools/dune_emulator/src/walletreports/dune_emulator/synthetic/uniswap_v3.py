"""Uniswap V3 on Ethereum, Arbitrum and Base, decoded as on Dune, per chain:
`uniswap_v3_<chain>.<Factory>_evt_PoolCreated`, `.<Pool>_evt_Mint` and
`.NonfungiblePositionManager_evt_IncreaseLiquidity` / `_DecreaseLiquidity` / `_Collect`.
Dune names the contracts differently per chain: Factory and Pair on Ethereum and Arbitrum,
UniswapV3Factory and UniswapV3Pool on Base.

A position (an NFT of the position manager) is opened, sometimes topped up, has fees
collected now and then (sometimes by an approved keeper, or to another of the owner's
addresses), and is mostly closed with a decrease and a collect in one transaction. Every
increase is preceded in its transaction by the pool's Mint with the manager as owner and
the same amounts, which is how a query finds a position's pool.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from .chains import ARBITRUM, BASE, ETHEREUM, Chain, Token, address
from .prices import raw_amount
from .tables import BLOB, DECODED_EVENT_COLUMNS, INTEGER, UINT256, Table
from .transfers import move
from .world import WINDOW_START, Transaction, World, derived_address

_POSITION_COLUMNS = (
    ("tokenId", UINT256),
    ("liquidity", UINT256),
    ("amount0", UINT256),
    ("amount1", UINT256),
)


@dataclass(frozen=True)
class Pool:
    address: bytes
    token0: Token  # the lower address, as the factory orders them
    token1: Token
    fee: int
    tick_spacing: int
    created: datetime


@dataclass(frozen=True)
class Deployment:
    chain: Chain
    factory_contract: str  # the contract names Dune decodes under, which differ per chain
    pool_contract: str
    factory: bytes
    position_manager: bytes
    first_position: int
    pools: tuple[Pool, ...]

    @property
    def schema(self) -> str:
        return f"uniswap_v3_{self.chain.name}"

    @property
    def pool_created(self) -> Table:
        return Table(
            f"{self.schema}.{self.factory_contract}_evt_PoolCreated",
            (
                *DECODED_EVENT_COLUMNS,
                ("token0", BLOB),
                ("token1", BLOB),
                ("fee", INTEGER),
                ("tickSpacing", INTEGER),
                ("pool", BLOB),
            ),
        )

    @property
    def pool_mint(self) -> Table:
        return Table(
            f"{self.schema}.{self.pool_contract}_evt_Mint",
            (
                *DECODED_EVENT_COLUMNS,
                ("sender", BLOB),
                ("owner", BLOB),
                ("tickLower", INTEGER),
                ("tickUpper", INTEGER),
                ("amount", UINT256),
                ("amount0", UINT256),
                ("amount1", UINT256),
            ),
        )

    @property
    def increase(self) -> Table:
        name = f"{self.schema}.NonfungiblePositionManager_evt_IncreaseLiquidity"
        return Table(name, (*DECODED_EVENT_COLUMNS, *_POSITION_COLUMNS))

    @property
    def decrease(self) -> Table:
        name = f"{self.schema}.NonfungiblePositionManager_evt_DecreaseLiquidity"
        return Table(name, (*DECODED_EVENT_COLUMNS, *_POSITION_COLUMNS))

    @property
    def collect(self) -> Table:
        return Table(
            f"{self.schema}.NonfungiblePositionManager_evt_Collect",
            (
                *DECODED_EVENT_COLUMNS,
                ("tokenId", UINT256),
                ("recipient", BLOB),
                ("amount0", UINT256),
                ("amount1", UINT256),
            ),
        )

    @property
    def tables(self) -> tuple[Table, ...]:
        return (self.pool_created, self.pool_mint, self.increase, self.decrease, self.collect)


def _pools(chain: Chain, *specs: tuple[str, str, int, str, datetime]) -> tuple[Pool, ...]:
    """Pools from (token, token, fee, address or a label to derive one from, created)."""
    pools = []
    for a, b, fee, where, created in specs:
        token0, token1 = sorted((chain.token(a), chain.token(b)), key=lambda t: t.address)
        pool = address(where) if where.startswith("0x") else derived_address(where)
        pools.append(Pool(pool, token0, token1, fee, _TICK_SPACING[fee], created))
    return tuple(pools)


def _day(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


_TICK_SPACING = {500: 10, 3000: 60, 10000: 200}
_LAUNCH = _day(2021, 5, 5)
_MANAGER = address("0xc36442b4a4522e871399cd717abdd847ab11fe88")
_FACTORY = address("0x1f98431c8ad98523631ae4a59f267346ea31f984")
_BASE_MANAGER = address("0x03a520b32c04bf3beef7beb72e919cf822ed34f1")
_BASE_FACTORY = address("0x33128a8fc17869897dce68ed026d694621f6fdfd")

DEPLOYMENTS = (
    Deployment(
        ETHEREUM, "Factory", "Pair", _FACTORY, _MANAGER, 560_000,
        _pools(
            ETHEREUM,
            ("USDC", "WETH", 500, "0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640", _LAUNCH),
            ("WBTC", "WETH", 3000, "0xcbcdf9626bc03e24f779434178a73a0b4bad62ed", _LAUNCH),
            ("WETH", "USDT", 3000, "0x4e68ccd3e89f51c3074ca5072bbac773960dfa36", _LAUNCH),
            ("UNI", "WETH", 3000, "0x1d42064fc4beb5f8aaf85f4617ae8b3b5b8bd801", _LAUNCH),
        ),
    ),
    Deployment(
        ARBITRUM, "Factory", "Pair", _FACTORY, _MANAGER, 890_000,
        _pools(
            ARBITRUM,
            ("WETH", "USDC", 500, "0xc6962004f452be9203591991d15f6b388e09e8d0", _day(2022, 12, 1)),
            ("WETH", "ARB", 500, "0xc6f780497a95e246eb9449f5e4770916dcd6396a", _day(2023, 3, 23)),
            ("WBTC", "WETH", 500, "0x2f5e87c9312fa29aed5c179e456625d79015299c", _day(2021, 9, 1)),
        ),
    ),
    Deployment(
        BASE, "UniswapV3Factory", "UniswapV3Pool", _BASE_FACTORY, _BASE_MANAGER, 180_000,
        _pools(
            BASE,
            ("WETH", "USDC", 500, "0xd0b53d9277642d899df5c87a3966a349a798f224", _day(2023, 8, 9)),
            ("WETH", "AERO", 3000, "uniswap-v3:base:WETH-AERO", _day(2023, 9, 1)),
            ("cbBTC", "WETH", 500, "uniswap-v3:base:cbBTC-WETH", _day(2024, 9, 12)),
        ),
    ),
)  # fmt: skip


def add_pools(world: World) -> None:
    deployer = derived_address("uniswap-v3:pool-deployer")
    for deployment in DEPLOYMENTS:
        for pool in deployment.pools:
            tx = world.transaction(deployment.chain, pool.created, deployer, deployment.factory)
            world.add(
                deployment.pool_created,
                {
                    **tx.event_columns(deployment.factory),
                    "token0": pool.token0.address,
                    "token1": pool.token1.address,
                    "fee": pool.fee,
                    "tickSpacing": pool.tick_spacing,
                    "pool": pool.address,
                },
            )


@dataclass
class _Position:
    deployment: Deployment
    pool: Pool
    token_id: int
    tick_lower: int
    tick_upper: int
    amount0: int = 0  # principal still in the position
    amount1: int = 0
    liquidity: int = 0


def position(
    world: World,
    deployment: Deployment,
    owner: bytes,
    budget: int,
    usd_scale: float,
    keepers: Sequence[bytes],
) -> int:
    """One position of `owner`, cut to at most `budget` events. Returns how many events
    (rows the owner is party to) it made."""
    rng = world.rng
    pool = rng.choice(deployment.pools)
    lower = pool.tick_spacing * rng.randint(-4_000, 4_000)
    position = _Position(
        deployment,
        pool,
        world.next_in_sequence(
            f"uniswap-v3-position:{deployment.chain.name}", deployment.first_position
        ),
        lower,
        lower + pool.tick_spacing * rng.randint(10, 400),
    )
    steps = ["open"] + ["add"] * (rng.random() < 0.3) + ["fees"] * rng.choice((0, 0, 1, 2))
    if rng.random() < 0.8:
        steps += ["close"]
    usd = usd_scale * math.exp(rng.uniform(math.log(300), math.log(60_000)))
    when = world.moment_on(deployment.chain, after=max(WINDOW_START, pool.created))
    used = 0
    for step in steps:
        if used == budget:
            break
        if step in ("open", "add"):
            _increase(world, position, owner, when, usd if step == "open" else usd / 3)
            used += 1
        elif step == "fees":
            _collect_fees(world, position, owner, when, keepers)
            used += 1
        else:
            used += _close(world, position, owner, when, both=budget - used >= 2)
        when = world.later(when, 2, 120)
    return used


def _transaction(world: World, position: _Position, signer: bytes, when: datetime) -> Transaction:
    return world.transaction(
        position.deployment.chain, when, signer, position.deployment.position_manager
    )


def _increase(world: World, position: _Position, owner: bytes, when: datetime, usd: float) -> None:
    deployment, pool = position.deployment, position.pool
    tx = _transaction(world, position, owner, when)
    amount0 = raw_amount(pool.token0, usd / 2, tx.block_time)
    amount1 = raw_amount(pool.token1, usd / 2, tx.block_time)
    liquidity = math.isqrt(amount0 * amount1)
    move(world, tx, pool.token0, owner, pool.address, amount0)
    move(world, tx, pool.token1, owner, pool.address, amount1)
    amounts = {"amount0": amount0, "amount1": amount1}
    world.add(
        deployment.pool_mint,
        {
            **tx.event_columns(pool.address),
            "sender": deployment.position_manager,
            "owner": deployment.position_manager,
            "tickLower": position.tick_lower,
            "tickUpper": position.tick_upper,
            "amount": liquidity,
            **amounts,
        },
    )
    world.add(
        deployment.increase,
        {
            **tx.event_columns(deployment.position_manager),
            "tokenId": position.token_id,
            "liquidity": liquidity,
            **amounts,
        },
    )
    position.amount0 += amount0
    position.amount1 += amount1
    position.liquidity += liquidity
    _needs_prices(world, position, tx)


def _collect_fees(
    world: World, position: _Position, owner: bytes, when: datetime, keepers: Sequence[bytes]
) -> None:
    rng = world.rng
    signer, recipient = owner, owner
    if rng.random() < 0.25:
        signer = rng.choice(keepers)  # an approved keeper collects for the owner
    elif rng.random() < 0.2:
        recipient = derived_address(f"cold-wallet:{owner.hex()}")  # the owner's other address
    tx = _transaction(world, position, signer, when)
    fee0 = int(position.amount0 * rng.uniform(0.003, 0.03))
    fee1 = int(position.amount1 * rng.uniform(0.003, 0.03))
    _collect(world, position, tx, recipient, fee0, fee1)


def _close(world: World, position: _Position, owner: bytes, when: datetime, *, both: bool) -> int:
    """Decrease all liquidity and, when `both`, collect it with the fees in the same
    transaction (as the interface does). Returns the events made."""
    rng = world.rng
    deployment = position.deployment
    tx = _transaction(world, position, owner, when)
    removed0, removed1 = position.amount0, position.amount1
    world.add(
        deployment.decrease,
        {
            **tx.event_columns(deployment.position_manager),
            "tokenId": position.token_id,
            "liquidity": position.liquidity,
            "amount0": removed0,
            "amount1": removed1,
        },
    )
    position.amount0 = position.amount1 = position.liquidity = 0
    _needs_prices(world, position, tx)
    if not both:
        return 1
    fee0 = int(removed0 * rng.uniform(0.003, 0.03))
    fee1 = int(removed1 * rng.uniform(0.003, 0.03))
    _collect(world, position, tx, owner, removed0 + fee0, removed1 + fee1)
    return 2


def _collect(
    world: World, position: _Position, tx: Transaction, recipient: bytes, amount0: int, amount1: int
) -> None:
    deployment, pool = position.deployment, position.pool
    if amount0:
        move(world, tx, pool.token0, pool.address, recipient, amount0)
    if amount1:
        move(world, tx, pool.token1, pool.address, recipient, amount1)
    world.add(
        deployment.collect,
        {
            **tx.event_columns(deployment.position_manager),
            "tokenId": position.token_id,
            "recipient": recipient,
            "amount0": amount0,
            "amount1": amount1,
        },
    )
    _needs_prices(world, position, tx)


def _needs_prices(world: World, position: _Position, tx: Transaction) -> None:
    world.needs_price(position.pool.token0, tx.block_time)
    world.needs_price(position.pool.token1, tx.block_time)
