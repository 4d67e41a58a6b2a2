"""One emulator for these tests, over tiny tables of their own (schema `test`), never the
synthetic Dune dataset; each test gets it with faults, counts and limits reset."""

import time
from collections.abc import Iterator

import duckdb
import pytest
from dune_client.client import DuneClient
from dune_client.models import ExecutionState, ExecutionStatusResponse

from walletreports.dune_emulator.testing import RunningDuneEmulator, dune_emulator

TRANSFER_ROWS = 3_000


def tiny_tables(connection: duckdb.DuckDBPyConnection) -> None:
    """`test.transfers`: 3,000 rows over 2024 (one every 3 hours), addresses as varbinary
    like Dune's; `test.tokens`: two tokens."""
    connection.execute(
        f"""
        CREATE SCHEMA test;
        CREATE TABLE test.transfers AS
        SELECT
            i AS id,
            TIMESTAMPTZ '2024-01-01 00:00:00+00' + i * INTERVAL 3 HOUR AS block_time,
            unhex(lpad(printf('%x', i % 7), 40, '0')) AS wallet,
            CASE WHEN i % 2 = 0 THEN 'USDC' ELSE 'WETH' END AS symbol,
            CAST(i * 1.5 AS DOUBLE) AS amount,
            [i % 3, i % 5] AS tags
        FROM range({TRANSFER_ROWS}) AS r(i);
        CREATE TABLE test.tokens (symbol VARCHAR, decimals INTEGER, address BLOB);
        INSERT INTO test.tokens VALUES
            ('USDC', 6, unhex('a0b86991c6218b36c1d19d4a2e9eb0ce3606eb48')),
            ('WETH', 18, unhex('c02aaa39b223fe8d0a0e5c4f27ead9083c756cc2'));
        """
    )


@pytest.fixture(scope="session")
def emulator_session() -> Iterator[RunningDuneEmulator]:
    with dune_emulator(loader=tiny_tables) as running:
        yield running


@pytest.fixture
def dune(emulator_session: RunningDuneEmulator) -> Iterator[RunningDuneEmulator]:
    emulator_session.reset()
    emulator_session.set_latency(0.0)
    emulator_session.set_execute_limit(None)
    yield emulator_session
    emulator_session.reset()


@pytest.fixture
def client(dune: RunningDuneEmulator) -> DuneClient:
    return DuneClient(api_key=dune.api_key, base_url=dune.base_url, request_timeout=5)


@pytest.fixture
def finished(client: DuneClient):
    """finished(execution_id) polls its status until it is terminal and returns it."""

    def wait(execution_id: str, timeout: float = 10.0) -> ExecutionStatusResponse:
        deadline = time.monotonic() + timeout
        while True:
            status = client.get_execution_status(execution_id)
            if status.state in ExecutionState.terminal_states() or time.monotonic() > deadline:
                return status
            time.sleep(0.02)

    return wait
