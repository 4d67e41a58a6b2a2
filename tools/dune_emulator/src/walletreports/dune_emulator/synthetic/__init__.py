"""Deterministic synthetic Dune tables, for the emulator to run the report queries on.

`load(connection)` creates every table the report queries read, schema-qualified and with
the column names Dune uses, and fills them from a fixed seed: the same rows on every run,
some eight thousand of them, over Ethereum, Arbitrum, Base and Optimism, in about half a
second. One module per table family:

    dex          dex.trades
    transfers    tokens.transfers
    prices       tokens.erc20, prices.usd
    uniswap_v2   uniswap_v2_ethereum.Factory_evt_PairCreated, .Pair_evt_Mint, .Pair_evt_Burn
    uniswap_v3   uniswap_v3_{ethereum,arbitrum,base}: PoolCreated, the pool's Mint, and the
                 NonfungiblePositionManager's IncreaseLiquidity, DecreaseLiquidity, Collect

`RICH_WALLETS` are wallets with plenty of activity and the exact number of rows each report
returns for them; `EMPTY_WALLET` has none. See `tables` for how Dune's types map to DuckDB's.
"""

from __future__ import annotations

import duckdb

from .activity import build
from .dex import DEX_TRADES
from .prices import PRICES_USD, TOKENS_ERC20
from .tables import Table, create, create_types, write
from .transfers import TOKENS_TRANSFERS
from .uniswap_v2 import TABLES as UNISWAP_V2_TABLES
from .uniswap_v3 import DEPLOYMENTS
from .wallets import EMPTY_WALLET, RICH_WALLETS, SyntheticWallet

SEED = 20_240_101

TABLES: tuple[Table, ...] = (
    DEX_TRADES,
    TOKENS_TRANSFERS,
    TOKENS_ERC20,
    PRICES_USD,
    *UNISWAP_V2_TABLES,
    *(table for deployment in DEPLOYMENTS for table in deployment.tables),
)

__all__ = ["EMPTY_WALLET", "RICH_WALLETS", "SEED", "TABLES", "SyntheticWallet", "load"]


def load(connection: duckdb.DuckDBPyConnection) -> None:
    """Create and fill every synthetic table in `connection` (replacing any from before)."""
    # Dune evaluates in UTC; DuckDB would date and truncate timestamps in the local zone.
    connection.execute("SET TimeZone = 'UTC'")
    create_types(connection)
    world = build(SEED)
    if unlisted := [table.name for table in world.rows if table not in TABLES]:
        raise RuntimeError(f"synthetic rows for tables load() does not create: {unlisted}")
    for table in TABLES:
        create(connection, table)
        write(connection, table, world.rows[table])
