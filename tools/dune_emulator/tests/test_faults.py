"""Every scripted fault, and what the real dune-client makes of it: which statuses it
retries (429, 502, 503, 504, read timeouts: 5 retries, honouring Retry-After), which it
raises at once (requests' HTTPError), and how it treats the odd terminal states."""

import asyncio
import time

import httpx
import pytest
from dune_client.client import DuneClient
from dune_client.client_async import AsyncDuneClient
from dune_client.models import ExecutionState, QueryFailedError
from dune_client.query import QueryBase
from requests.exceptions import HTTPError, RetryError

from walletreports.dune_emulator import states
from walletreports.dune_emulator.testing import dune_emulator

ONE_ROW = "SELECT symbol FROM test.tokens ORDER BY 1 LIMIT 1"


@pytest.mark.parametrize("status", [401, 402, 403, 404, 500])
def test_client_errors_and_500_are_raised_at_once(dune, client: DuneClient, status):
    query_id = dune.create_query(ONE_ROW)
    dune.fail_next("execute", status)
    with pytest.raises(HTTPError) as raised:
        client.execute_query(QueryBase(query_id))
    assert raised.value.response.status_code == status
    assert set(raised.value.response.json()) == {"error"}
    counts = dune.execute_counts()
    assert (counts.received, counts.started) == (1, 0)  # not retried


def test_402_says_what_dune_says(dune, client: DuneClient):
    dune.fail_next("execute", 402)
    with pytest.raises(HTTPError) as raised:
        client.execute_query(QueryBase(dune.create_query(ONE_ROW)))
    assert (
        "exceed your configured limits per billing cycle" in raised.value.response.json()["error"]
    )


def test_a_429_is_retried_after_retry_after(dune, client: DuneClient):
    query_id = dune.create_query(ONE_ROW)
    dune.fail_next("execute", 429)
    began = time.monotonic()
    execution = client.execute_query(QueryBase(query_id))
    assert time.monotonic() - began >= 1  # it honoured Retry-After: 1
    assert execution.state == ExecutionState.PENDING
    counts = dune.execute_counts()
    assert (counts.received, counts.started) == (2, 1)


def test_429s_past_the_retries_raise_retry_error(dune, client: DuneClient):
    query_id = dune.create_query(ONE_ROW)
    dune.fail_next("execute", 429, times=6)
    with pytest.raises(RetryError):
        client.execute_query(QueryBase(query_id))
    counts = dune.execute_counts()
    assert (counts.received, counts.started) == (6, 0)  # 1 try + 5 retries


def test_gateway_errors_are_retried(dune, client: DuneClient, finished):
    query_id = dune.create_query(ONE_ROW)
    execution_id = client.execute_query(QueryBase(query_id)).execution_id
    finished(execution_id)
    dune.fail_next("status", 502, times=2)
    dune.fail_next("results", 503)
    assert client.get_execution_status(execution_id).state == ExecutionState.COMPLETED
    assert client.get_execution_results(execution_id).get_rows() == [{"symbol": "USDC"}]
    assert dune.pending_faults() == []


def test_gateway_bodies_are_not_json(dune):
    dune.fail_next("status", 502)
    reply = httpx.get(f"{dune.base_url}/api/v1/execution/01HKZJ2683PHF9Q9PHHQ8FW4Q1/status")
    assert reply.status_code == 502 and reply.text == "502 Bad Gateway"


def test_a_read_timeout_is_retried(dune):
    client = DuneClient(api_key=dune.api_key, base_url=dune.base_url, request_timeout=0.5)
    query_id = dune.create_query(ONE_ROW)
    dune.hang_next("read_query", seconds=3)
    began = time.monotonic()
    assert client.get_query(query_id).base.query_id == query_id
    assert 0.5 <= time.monotonic() - began < 3


def test_a_timed_out_execute_is_sent_again_and_billed_twice(dune):
    client = DuneClient(api_key=dune.api_key, base_url=dune.base_url, request_timeout=0.5)
    query_id = dune.create_query(ONE_ROW)
    dune.hang_next("execute", seconds=3)
    client.execute_query(QueryBase(query_id))
    counts = dune.execute_counts()
    # The first execute ran (its answer was lost); urllib3 retried the POST.
    assert (counts.received, counts.started) == (2, 2)


async def test_the_async_client_does_not_retry_a_timeout(dune):
    dune.hang_next("status", seconds=3)
    async with AsyncDuneClient(
        api_key=dune.api_key, base_url=dune.base_url, request_timeout=0.5
    ) as client:
        with pytest.raises(asyncio.TimeoutError):
            await client.get_execution_status("01HKZJ2683PHF9Q9PHHQ8FW4Q1")


def test_failed_execution(dune, client: DuneClient):
    query_id = dune.create_query(ONE_ROW)
    dune.fail_next_execution()
    with pytest.raises(QueryFailedError, match="line 1:1: mismatched input 'selec'"):
        client.run_query(QueryBase(query_id), ping_frequency=0)


def test_slow_execution(dune, client: DuneClient, finished):
    query_id = dune.create_query(ONE_ROW)
    dune.slow_next_execution(2.0)  # pending for 1 s, executing for the next
    execution_id = client.execute_query(QueryBase(query_id)).execution_id
    time.sleep(1.4)
    assert client.get_execution_status(execution_id).state == ExecutionState.EXECUTING
    assert finished(execution_id).state == ExecutionState.COMPLETED


def test_expired_execution(dune, client: DuneClient, finished):
    query_id = dune.create_query(ONE_ROW)
    dune.expire_next_execution()
    execution_id = client.execute_query(QueryBase(query_id)).execution_id
    status = finished(execution_id)
    assert status.state == ExecutionState.EXPIRED and status.result_metadata is None
    results = client.get_execution_results(execution_id)
    assert results.state == ExecutionState.EXPIRED and results.result is None
    with pytest.raises(HTTPError) as raised:
        client.get_execution_results_csv(execution_id)
    assert raised.value.response.status_code == 400
    assert "expired" in raised.value.response.json()["error"]
    # dune-client's run_query treats EXPIRED as done and returns no rows, silently.
    dune.expire_next_execution()
    assert client.run_query(QueryBase(query_id), ping_frequency=0).get_rows() == []


def test_expire_an_existing_execution(dune, client: DuneClient, finished):
    query_id = dune.create_query(ONE_ROW)
    execution_id = client.execute_query(QueryBase(query_id)).execution_id
    finished(execution_id)
    dune.expire_execution(execution_id)
    assert client.get_execution_status(execution_id).state == ExecutionState.EXPIRED


def test_results_expire_after_their_ttl():
    with dune_emulator(loader=None, result_ttl_seconds=1.5) as dune:
        client = DuneClient(api_key=dune.api_key, base_url=dune.base_url)
        query = QueryBase(dune.create_query("SELECT 1 AS one"))
        submitted = time.monotonic()
        assert client.run_query(query, ping_frequency=0).get_rows() == [{"one": 1}]
        execution_id = client.get_latest_result(query).execution_id
        time.sleep(max(0.0, submitted + 1.6 - time.monotonic()))
        assert client.get_execution_status(execution_id).state == ExecutionState.EXPIRED


def test_partial_result(dune, client: DuneClient, finished):
    query_id = dune.create_query("SELECT id FROM test.transfers ORDER BY id")
    dune.partial_next_execution(max_rows=10)
    execution_id = client.execute_query(QueryBase(query_id)).execution_id
    status = finished(execution_id)
    assert status.state == ExecutionState.PARTIAL
    assert status.result_metadata.total_row_count == 10
    results = client.get_execution_results(execution_id)  # sends allow_partial_results=true
    assert [row["id"] for row in results.result.rows] == list(range(10))
    # get_rows() only returns rows for COMPLETED: a partial result reads as empty.
    assert results.get_rows() == []
    refused = httpx.get(
        f"{dune.base_url}/api/v1/execution/{execution_id}/results",
        headers={"X-Dune-Api-Key": dune.api_key},
    )
    assert refused.status_code == 400
    assert refused.json() == {
        "error": "Partial Result, please request with 'allow_partial_results=true'"
    }


def test_cancelled_by_someone_else(dune, client: DuneClient, finished):
    query_id = dune.create_query(ONE_ROW)
    dune.cancel_next_execution()
    execution_id = client.execute_query(QueryBase(query_id)).execution_id
    assert finished(execution_id).state == ExecutionState.CANCELLED
    # run_query returns an empty result for a cancelled execution rather than raising.
    dune.cancel_next_execution()
    assert client.run_query(QueryBase(query_id), ping_frequency=0).get_rows() == []


def test_the_other_cancelled_spelling(dune, client: DuneClient):
    query_id = dune.create_query(ONE_ROW)
    dune.cancel_next_execution(state_name=states.CANCELED)
    execution_id = client.execute_query(QueryBase(query_id)).execution_id
    status_url = f"{dune.base_url}/api/v1/execution/{execution_id}/status"
    headers = {"X-Dune-Api-Key": dune.api_key}
    deadline = time.monotonic() + 5
    while (state := httpx.get(status_url, headers=headers).json()["state"]) in (
        states.PENDING,
        states.EXECUTING,
    ) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert state == "QUERY_STATE_CANCELED"
    # dune-client 1.12 knows only QUERY_STATE_CANCELLED: the documented spelling crashes it.
    with pytest.raises(ValueError, match="QUERY_STATE_CANCELED"):
        client.get_execution_status(execution_id)


def test_faults_through_the_debug_path(dune, client: DuneClient):
    query_id = dune.create_query(ONE_ROW)
    faults = f"{dune.base_url}/emulator/faults"
    added = httpx.post(
        faults,
        json=[
            {"kind": "status", "endpoint": "execute", "status": 403},
            {"kind": "execution", "outcome": "cancelled", "state_name": states.CANCELED},
            {"kind": "hang", "endpoint": "status", "seconds": 0.1, "times": 2},
        ],
    )
    assert added.status_code == 200 and len(added.json()["pending"]) == 3
    assert added.json()["pending"][0]["retry_after"] is None
    with pytest.raises(HTTPError):
        client.execute_query(QueryBase(query_id))
    bad = httpx.post(faults, json={"kind": "status", "endpoint": "nowhere", "status": 500})
    assert bad.status_code == 400
    assert httpx.delete(faults).json() == {"pending": []}


def test_expire_through_the_debug_path(dune, client: DuneClient, finished):
    execution_id = client.execute_query(QueryBase(dune.create_query(ONE_ROW))).execution_id
    finished(execution_id)
    reply = httpx.post(f"{dune.base_url}/emulator/executions/{execution_id}/expire")
    assert reply.json() == {"state": states.EXPIRED}
