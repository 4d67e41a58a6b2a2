"""Saved queries through dune-client's query API: create, update (any SQL), read back,
archive and privacy flags; and the API key check Dune does on every endpoint."""

import httpx
import pytest
from dune_client.client import DuneClient
from dune_client.query import DuneQuery, QueryBase
from dune_client.types import QueryParameter
from requests.exceptions import HTTPError


def test_create_update_and_read_back(client: DuneClient):
    created = client.create_query(
        name="transfers per symbol",
        query_sql="SELECT symbol, count(*) AS n FROM test.transfers GROUP BY 1",
        params=[QueryParameter.text_type("symbol", "USDC")],
    )
    assert isinstance(created, DuneQuery)
    assert created.meta.version == 1 and created.meta.engine == "v2 Dune SQL"

    new_sql = "SELECT count(*) AS n FROM test.transfers WHERE symbol = '{{symbol}}'"
    query_id = client.update_query(
        created.base.query_id,
        name="transfers of one symbol",
        query_sql=new_sql,
        params=[QueryParameter.text_type("symbol", "WETH")],
        description="counts",
        tags=["test"],
    )

    read = client.get_query(query_id)
    assert read.sql == new_sql
    assert read.base.name == "transfers of one symbol"
    assert read.base.params == [QueryParameter.text_type("symbol", "WETH")]
    assert (read.meta.description, read.meta.tags, read.meta.version) == ("counts", ["test"], 2)
    # The updated SQL is what runs, with the updated default.
    rows = client.run_query(QueryBase(query_id), ping_frequency=0).get_rows()
    assert rows == [{"n": 1_500}]


def test_parameter_types_round_trip(client: DuneClient):
    params = [
        QueryParameter.text_type("wallet", "0x00"),
        QueryParameter.number_type("limit", 20),
        QueryParameter.date_type("start", "2024-01-01 00:00:00"),
        QueryParameter.enum_type("symbol", "USDC"),
    ]
    query = client.create_query("params", "SELECT 1", params=params)
    assert client.get_query(query.base.query_id).base.params == params


def test_archive_unarchive_private_public(client: DuneClient):
    query_id = client.create_query("flags", "SELECT 1 AS one").base.query_id
    assert client.archive_query(query_id) is True
    with pytest.raises(HTTPError) as refused:
        client.execute_query(QueryBase(query_id))
    assert refused.value.response.status_code == 403
    assert client.unarchive_query(query_id) is False
    client.make_private(query_id)
    assert client.get_query(query_id).meta.is_private
    client.make_public(query_id)
    assert not client.get_query(query_id).meta.is_private


def test_unknown_query_is_404(client: DuneClient):
    with pytest.raises(HTTPError) as missing:
        client.get_query(987_654)
    assert missing.value.response.status_code == 404
    assert missing.value.response.json() == {"error": "Query not found"}
    with pytest.raises(HTTPError) as missing:
        client.execute_query(QueryBase(987_654))
    assert missing.value.response.status_code == 404


def test_wrong_or_missing_api_key_is_401(dune):
    wrong = DuneClient(api_key="not-the-key", base_url=dune.base_url)
    with pytest.raises(HTTPError) as refused:
        wrong.get_execution_status("01HKZJ2683PHF9Q9PHHQ8FW4Q1")
    assert refused.value.response.status_code == 401
    assert refused.value.response.json() == {"error": "invalid API Key"}

    missing = httpx.post(f"{dune.base_url}/api/v1/query/1/execute", json={})
    assert missing.status_code == 401
    assert missing.json() == {"error": "invalid API Key"}
    # Dune's alternative to the header works too.
    query_id = dune.create_query("SELECT 1 AS one")
    by_param = httpx.get(f"{dune.base_url}/api/v1/query/{query_id}?api_key={dune.api_key}")
    assert by_param.status_code == 200


def test_queries_survive_a_restart_with_a_state_dir(tmp_path):
    from walletreports.dune_emulator.testing import dune_emulator

    with dune_emulator(loader=None, state_dir=tmp_path) as first:
        query_id = first.create_query("SELECT 1 AS one", name="kept", query_id=4242)
    with dune_emulator(loader=None, state_dir=tmp_path) as second:
        client = DuneClient(api_key=second.api_key, base_url=second.base_url)
        assert client.get_query(query_id).base.name == "kept"
        assert second.create_query("SELECT 2") == 4243
