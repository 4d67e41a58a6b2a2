"""Executions through dune-client: parameters substituted as Dune does, the SQL really run,
results parsed by dune-client's own models, states, cost, cancel, raw SQL."""

import time

import httpx
from dune_client.client import DuneClient
from dune_client.client_async import AsyncDuneClient
from dune_client.models import (
    ExecutionResponse,
    ExecutionState,
    ExecutionStatusResponse,
    ResultsResponse,
)
from dune_client.query import QueryBase
from dune_client.types import QueryParameter

PARAMETERISED = """
SELECT id, block_time, wallet, symbol, amount
FROM test.transfers
WHERE symbol = '{{symbol}}'
  AND block_time >= TIMESTAMP '{{start}}'
  AND id < {{max_id}}
ORDER BY id
"""


def test_execute_with_parameters_and_read_results(client: DuneClient, finished):
    query_id = client.create_query(
        "parameterised",
        PARAMETERISED,
        params=[
            QueryParameter.text_type("symbol", "USDC"),
            QueryParameter.date_type("start", "2024-01-01 00:00:00"),
            QueryParameter.number_type("max_id", 1),
        ],
    ).base.query_id
    # Partial submission: symbol and start keep their defaults.
    query = QueryBase(query_id, params=[QueryParameter.number_type("max_id", 9)])

    started = client.execute_query(query, performance="large")
    assert isinstance(started, ExecutionResponse)
    assert started.state == ExecutionState.PENDING

    status = finished(started.execution_id)
    assert isinstance(status, ExecutionStatusResponse)
    assert status.state == ExecutionState.COMPLETED and status.query_id == query_id
    assert status.times.execution_started_at and status.times.execution_ended_at
    assert status.times.expires_at > status.times.submitted_at
    assert status.execution_cost_credits == 20  # large: 10 x 2, under 1,000 rows
    assert status.result_metadata.total_row_count == 5

    results = client.get_execution_results(started.execution_id)
    assert isinstance(results, ResultsResponse)
    assert [row["id"] for row in results.get_rows()] == [0, 2, 4, 6, 8]
    assert results.get_rows()[1] == {
        "id": 2,
        "block_time": "2024-01-01 06:00:00.000 UTC",
        "wallet": "0x0000000000000000000000000000000000000002",
        "symbol": "USDC",
        "amount": 3.0,
    }
    metadata = results.result.metadata
    assert metadata.column_names == ["id", "block_time", "wallet", "symbol", "amount"]
    assert metadata.column_types == [
        "bigint",
        "timestamp(3) with time zone",
        "varbinary",
        "varchar",
        "double",
    ]
    assert metadata.datapoint_count == 25


def test_parameters_go_in_verbatim_as_on_dune(dune, client: DuneClient):
    # Dune adds no quotes: a bare 0x... text parameter is a varbinary literal, and
    # CAST(varbinary AS varchar) is its 0x-hex text, as in DuneSQL.
    query_id = dune.create_query(
        "SELECT count(*) AS n, CAST({{wallet}} AS varchar) AS wallet_text "
        "FROM test.transfers WHERE wallet = {{wallet}}",
        parameters=[{"key": "wallet", "type": "text", "value": "0x00"}],
    )
    wallet = "0x000000000000000000000000000000000000000A"
    query = QueryBase(query_id, params=[QueryParameter.text_type("wallet", wallet)])
    rows = client.run_query(query, ping_frequency=0).get_rows()
    assert rows == [{"n": 0, "wallet_text": wallet.lower()}]
    wallet = "0x0000000000000000000000000000000000000003"
    query = QueryBase(query_id, params=[QueryParameter.text_type("wallet", wallet)])
    assert client.run_query(query, ping_frequency=0).get_rows()[0]["n"] == 429

    # A multi-value list goes in comma-joined, for split('{{list}}', ',') as Dune's docs do.
    listed = dune.create_query(
        "SELECT count(*) AS n FROM test.transfers "
        "WHERE symbol IN (SELECT s FROM UNNEST(split('{{symbols}}', ',')) AS u(s))"
    )
    query = QueryBase(listed, params=[QueryParameter.enum_type("symbols", ["USDC", "WETH"])])
    assert client.run_query(query, ping_frequency=0).get_rows() == [{"n": 3_000}]


def test_run_query_waits_through_pending_and_executing(dune, client: DuneClient):
    dune.set_latency(2.0)  # pending for 1 s, executing for the next
    query_id = dune.create_query("SELECT count(*) AS n FROM test.transfers")
    started = client.execute_query(QueryBase(query_id))
    assert client.get_execution_status(started.execution_id).state == ExecutionState.PENDING
    time.sleep(1.4)
    assert client.get_execution_status(started.execution_id).state == ExecutionState.EXECUTING
    early = client.get_execution_results(started.execution_id)
    assert early.state == ExecutionState.EXECUTING and early.result is None

    dune.set_latency(0.5)
    results = client.run_query(QueryBase(query_id), ping_frequency=1)
    assert results.get_rows() == [{"n": 3_000}]


def test_cost_is_base_times_tier_plus_a_credit_per_thousand_rows(dune, client, finished):
    query_id = dune.create_query("SELECT id FROM test.transfers")  # 3,000 rows
    medium = client.execute_query(QueryBase(query_id), performance="medium").execution_id
    large = client.execute_query(QueryBase(query_id), performance="large").execution_id
    assert finished(medium).execution_cost_credits == 10 + 3
    assert finished(large).execution_cost_credits == 20 + 3


def test_cancel(dune, client: DuneClient, finished):
    dune.set_latency(5)
    query_id = dune.create_query("SELECT 1 AS one")
    execution_id = client.execute_query(QueryBase(query_id)).execution_id
    assert client.cancel_execution(execution_id) is True
    status = finished(execution_id)
    assert status.state == ExecutionState.CANCELLED
    assert status.times.cancelled_at is not None
    assert status.execution_cost_credits == 0
    # As on Dune, the results endpoint reports the state (no rows), as dune-client's e2e
    # test expects; cancelling again changes nothing.
    assert client.get_execution_results(execution_id).state == ExecutionState.CANCELLED
    assert client.cancel_execution(execution_id) is False


def test_raw_sql_execute(client: DuneClient):
    results = client.run_sql(
        "SELECT symbol, decimals FROM test.tokens ORDER BY 1", ping_frequency=0
    )
    assert results.query_id is None
    assert results.get_rows() == [
        {"symbol": "USDC", "decimals": 6},
        {"symbol": "WETH", "decimals": 18},
    ]


def test_unnamed_columns_are_named_as_trino_names_them(client: DuneClient):
    rows = client.run_sql(
        "SELECT 1, count(*), max(id) AS top FROM test.transfers", ping_frequency=0
    ).get_rows()
    assert rows == [{"_col0": 1, "_col1": 3_000, "top": 2_999}]


def test_invalid_parameters_and_tiers_are_400(dune):
    query_id = dune.create_query(
        "SELECT {{n}} AS n", parameters=[{"key": "n", "type": "number", "value": "1"}]
    )
    url = f"{dune.base_url}/api/v1/query/{query_id}/execute"
    headers = {"X-Dune-Api-Key": dune.api_key}
    bad_number = httpx.post(url, headers=headers, json={"query_parameters": {"n": "abc"}})
    assert bad_number.status_code == 400 and "number" in bad_number.json()["error"]
    bad_tier = httpx.post(url, headers=headers, json={"performance": "huge"})
    assert bad_tier.status_code == 400
    unfilled = dune.create_query("SELECT {{nowhere}} AS n")
    missing = httpx.post(f"{dune.base_url}/api/v1/query/{unfilled}/execute", headers=headers)
    assert missing.status_code == 400 and "nowhere" in missing.json()["error"]
    assert dune.execute_counts().started == 0


async def test_the_async_client_too(dune):
    query_id = dune.create_query("SELECT symbol FROM test.tokens ORDER BY 1")
    async with AsyncDuneClient(api_key=dune.api_key, base_url=dune.base_url) as client:
        results = await client.run_query(QueryBase(query_id), ping_frequency=0)
    assert results.get_rows() == [{"symbol": "USDC"}, {"symbol": "WETH"}]
