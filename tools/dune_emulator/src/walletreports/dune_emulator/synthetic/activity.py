"""Who does what: the rich wallets' exact activity, then background activity by a crowd of
other users, so every query has to pick its wallet's rows out of many.

The background never involves a rich wallet or the empty wallet, and rich wallets never
deal with each other, so each rich wallet's row counts are exactly its `expected_rows`.
Its transfers are the movements of its own trades and liquidity events plus as many
everyday transfers as make up the expected number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from .chains import CHAINS, ETHEREUM, Chain
from .dex import swaps
from .prices import PRICES_USD, TOKENS_ERC20, erc20_rows, price_row
from .transfers import everyday, transfers_of
from .uniswap_v2 import PAIRS, add_pairs
from .uniswap_v2 import position as v2_position
from .uniswap_v3 import DEPLOYMENTS, add_pools
from .uniswap_v3 import position as v3_position
from .wallets import EMPTY_WALLET, RICH_WALLETS, SyntheticWallet
from .world import World, derived_address


@dataclass(frozen=True)
class _Crowd:
    users: tuple[bytes, ...]  # ordinary traders, payers and liquidity providers
    relayers: tuple[bytes, ...]  # sign gasless orders and permit-based withdrawals
    keepers: tuple[bytes, ...]  # approved to collect V3 fees for position owners


def build(seed: int) -> World:
    world = World(seed)
    crowd = _Crowd(
        users=tuple(derived_address(f"user:{i}") for i in range(160)),
        relayers=tuple(derived_address(f"relayer:{i}") for i in range(6)),
        keepers=tuple(derived_address(f"keeper:{i}") for i in range(4)),
    )
    reserved = {wallet.address_bytes for wallet in RICH_WALLETS} | {bytes.fromhex(EMPTY_WALLET[2:])}
    if reserved & set(crowd.users + crowd.relayers + crowd.keepers):
        raise ValueError("a background address collides with a reserved wallet")
    add_pairs(world)
    add_pools(world)
    for wallet in RICH_WALLETS:
        _rich_wallet(world, wallet, crowd)
    _background(world, crowd)
    for row in erc20_rows(extra=[pair.lp_token for pair in PAIRS]):
        world.add(TOKENS_ERC20, row)
    for token, minute in world.price_minutes():
        if (price := price_row(token, minute)) is not None:
            world.add(PRICES_USD, price)
    return world


def _rich_wallet(world: World, wallet: SyntheticWallet, crowd: _Crowd) -> None:
    owner = wallet.address_bytes
    chains = [CHAINS[name] for name in wallet.chains]
    expected = wallet.expected_rows
    swaps(
        world,
        owner,
        chains,
        expected["defi_trades"],
        usd_scale=wallet.usd_scale,
        relayers=crowd.relayers,
    )
    _liquidity(world, owner, chains, expected["lp_events"], wallet.usd_scale, crowd)
    everyday_count = expected["transfers"] - transfers_of(world, owner)
    if everyday_count < 0:
        raise ValueError(
            f"{wallet.label}: its trades and liquidity events already move tokens "
            f"{expected['transfers'] - everyday_count} times, more than its expected "
            f"{expected['transfers']} transfers; raise that number"
        )
    everyday(world, owner, chains, everyday_count, crowd.users)


def _liquidity(
    world: World, owner: bytes, chains: list[Chain], events: int, usd_scale: float, crowd: _Crowd
) -> None:
    # Each venue opens one position within a budget of events and says how many it made.
    venues: list[Callable[..., int]] = []
    if ETHEREUM in chains:
        venues.append(
            partial(v2_position, world, owner, usd_scale=usd_scale, relayers=crowd.relayers)
        )
    for deployment in DEPLOYMENTS:
        if deployment.chain in chains:
            venues.append(
                partial(
                    v3_position,
                    world,
                    deployment,
                    owner,
                    usd_scale=usd_scale,
                    keepers=crowd.keepers,
                )
            )
    if events and not venues:
        raise ValueError("liquidity events were asked for on chains without Uniswap tables")
    remaining = events
    while remaining:
        remaining -= world.rng.choice(venues)(budget=remaining)


def _background(world: World, crowd: _Crowd) -> None:
    rng = world.rng
    all_chains = list(CHAINS.values())
    for user in crowd.users:
        chains = rng.sample(all_chains, rng.randint(1, 3))
        swaps(world, user, chains, rng.randint(2, 12), usd_scale=1.0, relayers=crowd.relayers)
        if rng.random() < 0.4:
            _liquidity(world, user, all_chains, rng.randint(1, 5), 1.0, crowd)
        everyday(world, user, chains, rng.randint(2, 10), crowd.users)
