"""DuckDB result columns as Dune reports them: Trino type names in `column_types`, and
values as Dune writes them in JSON rows (varbinary as 0x-hex, timestamps as
`2024-01-31 12:00:00.000 UTC`, 256-bit integers as strings)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from duckdb.sqltypes import DuckDBPyType

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

_SIMPLE_NAMES = {
    "boolean": "boolean",
    "tinyint": "tinyint",
    "smallint": "smallint",
    "integer": "integer",
    "bigint": "bigint",
    # Trino has no unsigned types: the next signed one that holds every value.
    "utinyint": "smallint",
    "usmallint": "integer",
    "uinteger": "bigint",
    "ubigint": "uint256",
    "uhugeint": "uint256",
    "hugeint": "int256",
    "float": "real",
    "double": "double",
    "varchar": "varchar",
    "blob": "varbinary",
    "date": "date",
    "time": "time",
    # Dune's timestamps are millisecond ones (values are written to the millisecond too).
    "timestamp": "timestamp(3)",
    "timestamp_s": "timestamp(3)",
    "timestamp_ms": "timestamp(3)",
    "timestamp_ns": "timestamp(3)",
    "timestamp with time zone": "timestamp(3) with time zone",
    "interval": "interval day to second",
    "uuid": "uuid",
    "null": "unknown",
}
# Dune writes these as JSON strings: they do not fit a JSON number.
BIG_INTEGER_TYPES = frozenset({"int256", "uint256"})


def dune_type_name(column_type: DuckDBPyType) -> str:
    kind = column_type.id
    if str(column_type) == "JSON":
        return "json"
    if kind == "decimal":
        precision, scale = (value for _, value in column_type.children)
        return f"decimal({precision},{scale})"
    # Nested types: `children` pairs each part's name with its type.
    parts = [(n, t) for n, t in column_type.children] if kind in _NESTED else []
    if kind in ("list", "array"):
        return f"array({_part_name(parts[0][1])})"
    if kind == "struct":
        return "row(" + ", ".join(f"{n} {_part_name(t)}" for n, t in parts) + ")"
    if kind == "map":
        return f"map({_part_name(parts[0][1])}, {_part_name(parts[1][1])})"
    return _SIMPLE_NAMES.get(kind, str(column_type).lower())


_NESTED = frozenset({"list", "array", "struct", "map"})


def _part_name(part: object) -> str:
    return dune_type_name(part) if isinstance(part, DuckDBPyType) else str(part).lower()


def settle_hugeint_column(values: list[Any]) -> str:
    """DuckDB's sum() over integers is HUGEINT where Trino's is bigint: report bigint when
    every value fits one (what Trino would have returned), int256 otherwise."""
    fits = all(v is None or INT64_MIN <= v <= INT64_MAX for v in values)
    return "bigint" if fits else "int256"


def value_converter(dune_type: str) -> Callable[[Any], Any]:
    if dune_type in BIG_INTEGER_TYPES:
        return lambda v: None if v is None else str(v)
    return json_value


def json_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | str | float):
        return value
    if isinstance(value, int):
        return value if INT64_MIN <= value <= INT64_MAX else str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return "0x" + bytes(value).hex()
    if isinstance(value, Decimal):
        return _decimal(value)
    if isinstance(value, dt.datetime):
        return _timestamp(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S.") + f"{value.microsecond // 1000:03d}"
    if isinstance(value, dt.timedelta):
        return _interval(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    return str(value)


def _decimal(value: Decimal) -> Any:
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= 0:
        return json_value(int(value))
    return float(value)


def _timestamp(value: dt.datetime) -> str:
    millis = f"{value.microsecond // 1000:03d}"
    text = value.strftime("%Y-%m-%d %H:%M:%S.") + millis
    if value.tzinfo is None:
        return text
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.") + millis + " UTC"


def _interval(value: dt.timedelta) -> str:
    seconds = value.seconds
    millis = value.microseconds // 1000
    return f"{value.days} {seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}.{millis:03d}"
