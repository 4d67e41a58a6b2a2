"""Results page by page: dune-client's own paging (next_uri in JSON, x-dune-next-uri on CSV)
returns every row exactly once; a latest-result read pages the same way."""

import csv
import io

import httpx
from dune_client.client import DuneClient
from dune_client.query import QueryBase

from walletreports.dune_emulator.testing import dune_emulator

ALL_TRANSFERS = "SELECT id, symbol FROM test.transfers ORDER BY id"


def test_json_paging_returns_every_row_once(dune, client: DuneClient):
    query_id = dune.create_query(ALL_TRANSFERS)
    results = client.run_query(QueryBase(query_id), ping_frequency=0, batch_size=700)
    ids = [row["id"] for row in results.get_rows()]
    assert ids == list(range(3_000))
    assert results.next_uri is None
    # dune-client adds the pages' metadata together; its row_count reads total_row_count,
    # so after five pages it says 5 x 3,000 (a dune-client quirk, not the emulator's).
    assert results.result.metadata.total_row_count == 3_000
    assert results.result.metadata.datapoint_count == 3_000 * 2


def test_a_page_says_where_the_next_one_is(dune, client: DuneClient, finished):
    query_id = dune.create_query(ALL_TRANSFERS)
    execution_id = client.execute_query(QueryBase(query_id)).execution_id
    finished(execution_id)
    page = client.get_execution_results(execution_id, limit=1_000, offset=2_500, columns=["id"])
    assert [row["id"] for row in page.get_rows()] == list(range(2_500, 3_000))
    assert page.next_uri is None and page.next_offset is None
    first = client.get_execution_results(execution_id, limit=1_000, columns=["id"])
    assert first.next_offset == 1_000
    assert first.next_uri.startswith(f"{dune.base_url}/api/v1/execution/{execution_id}/results?")
    assert "columns=id" in first.next_uri and "offset=1000" in first.next_uri
    assert first.result.metadata.row_count == 3_000  # dune-client reads total_row_count
    assert list(first.get_rows()[0]) == ["id"]


def test_limit_above_the_cap_is_lowered_and_paging_continues():
    def rows(connection):
        connection.execute(
            "CREATE SCHEMA test; CREATE TABLE test.n AS SELECT range AS i FROM range(250)"
        )

    with dune_emulator(loader=rows, max_page_rows=100) as dune:
        client = DuneClient(api_key=dune.api_key, base_url=dune.base_url)
        query_id = dune.create_query("SELECT i FROM test.n ORDER BY i")
        results = client.run_query(QueryBase(query_id), ping_frequency=0)  # asks for 32,000
        assert [row["i"] for row in results.get_rows()] == list(range(250))


def test_csv_paging_with_next_uri_headers(dune, client: DuneClient, finished):
    query_id = dune.create_query(ALL_TRANSFERS)
    execution_id = client.execute_query(QueryBase(query_id)).execution_id
    finished(execution_id)

    first = client.get_execution_results_csv(execution_id, limit=1_000)
    assert first.next_offset == "1000"  # a header: dune-client keeps it as text
    assert first.next_uri.startswith(f"{dune.base_url}/api/v1/execution/{execution_id}/")

    whole = client.run_query_csv(QueryBase(query_id), ping_frequency=0, batch_size=1_000)
    table = list(csv.reader(io.TextIOWrapper(whole.data, encoding="utf-8")))
    assert table[0] == ["id", "symbol"]
    assert [int(row[0]) for row in table[1:]] == list(range(3_000))
    assert whole.next_uri is None

    raw = httpx.get(
        f"{dune.base_url}/api/v1/execution/{execution_id}/results/csv",
        params={"limit": 2, "offset": 2_998},
        headers={"X-Dune-Api-Key": dune.api_key},
    )
    assert raw.text == "id,symbol\n2998,USDC\n2999,WETH\n"
    assert "x-dune-next-uri" not in raw.headers


def test_latest_result_without_executing_again(dune, client: DuneClient):
    query_id = dune.create_query(ALL_TRANSFERS)
    client.run_query(QueryBase(query_id), ping_frequency=0)
    before = dune.execute_counts()

    latest = client.get_latest_result(query_id, batch_size=1_200)
    assert [row["id"] for row in latest.get_rows()] == list(range(3_000))
    downloaded = client.download_csv(query_id, batch_size=1_300)
    assert downloaded.data.getvalue().count(b"\n") == 3_001
    assert dune.execute_counts() == before  # reading latest results executes nothing


def test_latest_result_of_a_query_never_run_is_404(dune):
    query_id = dune.create_query(ALL_TRANSFERS)
    reply = httpx.get(
        f"{dune.base_url}/api/v1/query/{query_id}/results",
        headers={"X-Dune-Api-Key": dune.api_key},
    )
    assert reply.status_code == 404 and "error" in reply.json()
