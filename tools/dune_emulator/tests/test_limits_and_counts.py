"""The per-minute execute limit (429 with Dune's body and Retry-After) and the execute
counts tests assert on (Python API and GET /emulator/executes)."""

import time

import httpx
import pytest
from dune_client.client import DuneClient
from dune_client.query import QueryBase
from requests.exceptions import HTTPError

from walletreports.dune_emulator.testing import dune_emulator


def test_429_past_the_per_minute_limit(dune):
    dune.set_execute_limit(2)
    query_id = dune.create_query("SELECT 1 AS one")
    url = f"{dune.base_url}/api/v1/query/{query_id}/execute"
    headers = {"X-Dune-Api-Key": dune.api_key}
    assert [httpx.post(url, headers=headers).status_code for _ in range(2)] == [200, 200]
    refused = httpx.post(url, headers=headers)
    assert refused.status_code == 429
    assert refused.json() == {"error": "Too many requests: rate limit exceeded"}
    assert 55 <= int(refused.headers["Retry-After"]) <= 60
    counts = dune.execute_counts()
    assert (counts.received, counts.started) == (3, 2)


def test_dune_client_waits_out_the_limit():
    def nothing(connection):
        pass

    # A one-second window keeps the wait short; the behaviour is the per-minute one.
    with dune_emulator(loader=nothing, executes_per_minute=1, rate_window_seconds=1) as dune:
        client = DuneClient(api_key=dune.api_key, base_url=dune.base_url)
        query = QueryBase(dune.create_query("SELECT 1 AS one"))
        client.execute_query(query)
        began = time.monotonic()
        client.execute_query(query)  # 429, Retry-After: 1, then accepted
        assert time.monotonic() - began >= 0.9
        counts = dune.execute_counts()
        assert (counts.received, counts.started) == (3, 2)


def test_counts_are_exact_per_query_and_in_total(dune, client: DuneClient):
    first = dune.create_query("SELECT 1 AS one")
    second = dune.create_query("SELECT 2 AS two")
    for _ in range(3):
        client.execute_query(QueryBase(first))
    client.run_query(QueryBase(second), ping_frequency=0)
    client.run_sql("SELECT 3 AS three", ping_frequency=0)  # raw SQL counts in the totals only
    client.get_latest_result(second)  # reading a result is no execute

    counts = dune.execute_counts()
    assert counts.received == counts.started == 5
    assert counts.started_by_query == {first: 3, second: 1}
    assert counts.received_by_query == {first: 3, second: 1}

    reply = httpx.get(f"{dune.base_url}/emulator/executes").json()
    assert reply == {
        "received": {"total": 5, "by_query": {str(first): 3, str(second): 1}},
        "started": {"total": 5, "by_query": {str(first): 3, str(second): 1}},
    }
    httpx.delete(f"{dune.base_url}/emulator/executes")
    assert dune.execute_counts().received == 0


def test_refused_executes_are_received_but_not_started(dune, client: DuneClient):
    query_id = dune.create_query("SELECT 1 AS one")
    wrong_key = DuneClient(api_key="wrong", base_url=dune.base_url)
    with pytest.raises(HTTPError):
        wrong_key.execute_query(QueryBase(query_id))
    counts = dune.execute_counts()
    assert (counts.received, counts.started) == (1, 0)
    assert counts.received_by_query == {query_id: 1} and counts.started_by_query == {}


def test_settings_through_the_debug_path(dune):
    url = f"{dune.base_url}/emulator/settings"
    changed = httpx.patch(url, json={"latency_seconds": 0.25, "executes_per_minute": 7}).json()
    assert changed["latency_seconds"] == 0.25 and changed["executes_per_minute"] == 7
    assert httpx.get(url).json() == changed
