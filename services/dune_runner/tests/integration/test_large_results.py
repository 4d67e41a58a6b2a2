"""A result larger than the runner should ever hold: the CSV goes from Dune's pages to
the stored file chunk by chunk. The bytes stored are the whole result (size and sha256
of what Dune served), while what the download allocates stays a small fraction of it
(tracemalloc, from the moment the execution has completed)."""

from __future__ import annotations

import hashlib
import tracemalloc
from collections.abc import AsyncIterator
from pathlib import Path

import duckdb
import pytest_asyncio

from walletreports.devkit.testing.eventually import eventually
from walletreports.dune_emulator.testing import RunningDuneEmulator, running_dune_emulator
from walletreports.dune_runner.adapters.dune_api import DuneApi
from walletreports.dune_runner.adapters.result_store import LocalResultStore

ROWS = 200_000
PAGE_ROWS = 5_000


def wide_table(connection: duckdb.DuckDBPyConnection) -> None:
    connection.execute("CREATE SCHEMA IF NOT EXISTS big")
    connection.execute(
        "CREATE TABLE big.rows AS SELECT i AS n, repeat(chr(CAST(97 + i % 26 AS INTEGER)), 60) AS padding,"
        f" i * 1.5 AS amount FROM range({ROWS}) t(i)"
    )


@pytest_asyncio.fixture(loop_scope="session")
async def big_dune() -> AsyncIterator[RunningDuneEmulator]:
    async with running_dune_emulator(loader=wide_table, max_page_rows=PAGE_ROWS) as running:
        yield running


async def test_a_result_larger_than_memory_allows_streams_to_the_store(
    big_dune: RunningDuneEmulator, tmp_path: Path
) -> None:
    query_id = big_dune.create_query("SELECT n, padding, amount FROM big.rows ORDER BY n")
    client = DuneApi(api_key=big_dune.api_key, base_url=big_dune.base_url, page_rows=PAGE_ROWS)
    store = LocalResultStore(tmp_path)
    try:
        accepted = await client.execute(query_id, {})

        async def completed() -> bool | None:
            state = (await client.status(accepted.execution_id)).state
            return state == "QUERY_STATE_COMPLETED" or None

        await eventually(completed, timeout=60)
        tracemalloc.start()
        try:
            stored = await store.write(
                "reports/u/o/big.csv", client.results_csv(accepted.execution_id)
            )
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    finally:
        client.close()

    on_disk = store.location("reports/u/o/big.csv").read_bytes()
    assert stored.size_bytes == len(on_disk) > 10_000_000
    assert stored.sha256 == hashlib.sha256(on_disk).hexdigest()
    assert on_disk.count(b"\n") == ROWS + 1  # one header, every row once
    assert peak < stored.size_bytes / 4, f"the download held {peak} bytes at once"
