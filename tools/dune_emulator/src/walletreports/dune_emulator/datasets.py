"""Where the tables come from: a dataset loader is any callable that fills the DuckDB
connection with schemas, tables and rows (`dex.trades`, ...). The default is the synthetic
copy of the Dune tables the real queries read; tests pass their own tiny one."""

from __future__ import annotations

import importlib
from collections.abc import Callable

import duckdb

DatasetLoader = Callable[[duckdb.DuckDBPyConnection], None]
SYNTHETIC = "synthetic"
NO_TABLES = "none"


def synthetic_dataset(connection: duckdb.DuckDBPyConnection) -> None:
    """Imported only when used, so an emulator given its own loader never needs it."""
    from .synthetic import load

    load(connection)


def loader_from_spec(spec: str) -> DatasetLoader | None:
    """`synthetic`, `none` (no tables), or `package.module:function` for another one."""
    if spec == SYNTHETIC:
        return synthetic_dataset
    if spec == NO_TABLES:
        return None
    module_name, _, function_name = spec.partition(":")
    if not module_name or not function_name:
        raise ValueError(f"dataset {spec!r}: expected synthetic, none or module:function")
    loader = getattr(importlib.import_module(module_name), function_name, None)
    if not callable(loader):
        raise ValueError(f"dataset {spec!r}: {function_name} is not a function of {module_name}")
    return loader  # type: ignore[no-any-return]
