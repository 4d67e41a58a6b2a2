"""How a synthetic table is declared and written into DuckDB.

A `Table` carries Dune's schema-qualified name and column names, with the DuckDB type that
stands in for each Dune type:

    Dune                          DuckDB
    varbinary (addresses, hashes) BLOB
    uint256                       UINT256, an alias of UHUGEINT (unsigned 128-bit) that
                                  `create_types` defines, so `CAST(x AS uint256)` in a query
                                  transpiles to a type DuckDB knows
    timestamp(3) with time zone   TIMESTAMPTZ (the session runs in UTC, as Dune does)
    varchar, bigint, integer,     the same
    double, date, array(bigint)

Rows are written column by column in one INSERT ... SELECT unnest(...): DuckDB's
row-by-row executemany takes seconds for a few thousand rows, this takes milliseconds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import duckdb

BLOB = "BLOB"
UINT256 = "UINT256"
TIMESTAMPTZ = "TIMESTAMPTZ"
VARCHAR = "VARCHAR"
BIGINT = "BIGINT"
INTEGER = "INTEGER"
DOUBLE = "DOUBLE"
DATE = "DATE"
BIGINT_LIST = "BIGINT[]"

# Dune's integer types wider than 64 bits. 128 bits hold every amount the synthetic data
# has; real uint256 values above 2**128 (unlimited approvals) do not occur in these tables.
TYPE_ALIASES = {"UINT256": "UHUGEINT", "INT256": "HUGEINT"}

# The DuckDB result types a query's column may have for each Dune type it declares (as
# DuckDB names them in a result's description; an alias shows as its target type).
DUCKDB_TYPES_FOR_DUNE: dict[str, frozenset[str]] = {
    "varchar": frozenset({"VARCHAR"}),
    "varbinary": frozenset({"BLOB"}),
    "boolean": frozenset({"BOOLEAN"}),
    "integer": frozenset({"INTEGER"}),
    "bigint": frozenset({"BIGINT"}),
    "double": frozenset({"DOUBLE"}),
    "date": frozenset({"DATE"}),
    "uint256": frozenset({"UHUGEINT", "HUGEINT", "DECIMAL(38,0)"}),
    "int256": frozenset({"HUGEINT", "DECIMAL(38,0)"}),
    "timestamp(3) with time zone": frozenset({"TIMESTAMP WITH TIME ZONE"}),
    "timestamp(3)": frozenset({"TIMESTAMP"}),
}

Row = Mapping[str, object]

# The columns every decoded event table on Dune starts with, before the event's own.
DECODED_EVENT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("contract_address", BLOB),
    ("evt_tx_hash", BLOB),
    ("evt_tx_from", BLOB),
    ("evt_tx_to", BLOB),
    ("evt_tx_index", INTEGER),
    ("evt_index", BIGINT),
    ("evt_block_time", TIMESTAMPTZ),
    ("evt_block_number", BIGINT),
    ("evt_block_date", DATE),
)


@dataclass(frozen=True)
class Table:
    name: (
        str  # schema-qualified, spelt as on Dune: "dex.trades", "uniswap_v2_ethereum.Pair_evt_Mint"
    )
    columns: tuple[tuple[str, str], ...]  # (Dune column name, DuckDB type)

    @property
    def schema(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def sql_name(self) -> str:
        schema, table = self.name.split(".", 1)
        return f'"{schema}"."{table}"'

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)


def create_types(connection: duckdb.DuckDBPyConnection) -> None:
    existing = {
        name.upper()
        for (name,) in connection.sql("SELECT type_name FROM duckdb_types()").fetchall()
    }
    for alias, target in TYPE_ALIASES.items():
        if alias not in existing:
            connection.execute(f"CREATE TYPE {alias} AS {target}")


def create(connection: duckdb.DuckDBPyConnection, table: Table) -> None:
    connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{table.schema}"')
    columns = ", ".join(f'"{name}" {kind}' for name, kind in table.columns)
    connection.execute(f"CREATE OR REPLACE TABLE {table.sql_name} ({columns})")


def write(connection: duckdb.DuckDBPyConnection, table: Table, rows: Sequence[Row]) -> None:
    """Append `rows` (column name -> Python value; a missing column is NULL) in order."""
    if not rows:
        return
    unknown = {key for row in rows for key in row} - set(table.column_names)
    if unknown:
        raise ValueError(f"{table.name}: rows have columns it does not declare: {sorted(unknown)}")
    # Every value travels as text and is cast back in SQL: one parameter type per column
    # whatever Python type the values have, and integers wider than 64 bits survive.
    values = [[_as_text(row.get(name)) for row in rows] for name in table.column_names]
    unnested = ", ".join(f"unnest(${i + 1}) AS c{i}" for i in range(len(table.columns)))
    converted = ", ".join(_from_text(f"c{i}", kind) for i, (_, kind) in enumerate(table.columns))
    connection.execute(
        f"INSERT INTO {table.sql_name} SELECT {converted} FROM (SELECT {unnested})", values
    )


def _as_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(str(item) for item in value) + "]"
    if isinstance(value, float):
        return repr(value)  # round-trips exactly
    return str(value)


def _from_text(column: str, kind: str) -> str:
    # Casting text to BLOB would keep the hex digits as bytes; unhex decodes them.
    return f"unhex({column})" if kind == BLOB else f"CAST({column} AS {kind})"
