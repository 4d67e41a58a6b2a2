"""The embedded DuckDB that executions really run in: one in-memory database filled once by
a dataset loader, each execution on its own cursor in a worker thread (the event loop never
waits on SQL)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import duckdb

from .datasets import DatasetLoader
from .execution_errors import ExecutionFailure, analysis_error
from .result_set import ResultSet, read_result_set
from .transpile import CAST_VARCHAR_MACRO, trino_to_duckdb

# Trino semantics DuckDB can be told to follow: integer / integer is an integer, and
# timestamps with time zone come back in UTC (Dune's session time zone).
_TRINO_SETTINGS = "SET GLOBAL integer_division = true; SET GLOBAL TimeZone = 'UTC'"
# DuneSQL's CAST(varbinary AS varchar) is the 0x-hex text ('0xab01'). The branch not taken
# still has to type-check for every x, hence the detour through varchar for the blob one;
# typeof() is constant per column, so DuckDB folds the CASE away.
_DUNE_CAST_VARCHAR = f"""
CREATE MACRO {CAST_VARCHAR_MACRO}(x) AS CASE
    WHEN typeof(x) = 'BLOB' THEN '0x' || lower(hex(CAST(CAST(x AS VARCHAR) AS BLOB)))
    ELSE CAST(x AS VARCHAR)
END
"""


class SqlEngine:
    def __init__(self, loader: DatasetLoader | None = None, threads: int = 2) -> None:
        self._connection = duckdb.connect(":memory:")
        self._connection.execute(_TRINO_SETTINGS)
        self._connection.execute(_DUNE_CAST_VARCHAR)
        self._loader = loader
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="dune-sql")

    async def load(self) -> None:
        if self._loader is not None:
            loader = self._loader
            await asyncio.get_running_loop().run_in_executor(
                self._pool, lambda: loader(self._connection)
            )

    async def run(self, trino_sql: str) -> ResultSet:
        """Raises ExecutionFailure (with Dune's error) when the SQL cannot run."""
        return await asyncio.get_running_loop().run_in_executor(
            self._pool, self.run_blocking, trino_sql
        )

    def run_blocking(self, trino_sql: str) -> ResultSet:
        duckdb_sql = trino_to_duckdb(trino_sql)
        cursor = self._connection.cursor()
        try:
            cursor.execute(duckdb_sql)
            return read_result_set(cursor)
        except duckdb.Error as err:
            raise ExecutionFailure(analysis_error(err, trino_sql)) from err
        finally:
            cursor.close()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._connection.close()
