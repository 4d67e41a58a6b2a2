"""SQL that cannot run ends the execution FAILED with Dune's error object: a message naming
the problem, `line L:C` and metadata pointing into the caller's SQL."""

import pytest
from dune_client.client import DuneClient
from dune_client.models import ExecutionState, QueryFailedError
from dune_client.query import QueryBase


def failed(dune, client: DuneClient, finished, sql: str):
    query_id = dune.create_query(sql)
    status = finished(client.execute_query(QueryBase(query_id)).execution_id)
    assert status.state == ExecutionState.FAILED
    assert status.error.type == "FAILED_TYPE_EXECUTION_FAILED"
    assert status.execution_cost_credits == 0
    assert status.result_metadata is None
    return status.error


def test_syntax_error(dune, client, finished):
    error = failed(dune, client, finished, "SELECT id\nFROM test.transfers\nWHERE id = = 1")
    assert error.message.startswith("line 3:12: mismatched input '='.")
    assert error.message.endswith("]") and "[Execution ID: " in error.message
    assert error.metadata == {"line": 3, "column": 12}


def test_unknown_table(dune, client, finished):
    error = failed(dune, client, finished, "SELECT *\nFROM test.nope")
    assert "Table 'test.nope' does not exist" in error.message
    assert error.metadata == {"line": 2, "column": 6}
    assert error.message.startswith("line 2:6: ")


def test_unknown_column(dune, client, finished):
    error = failed(dune, client, finished, "SELECT id,\n       colour\nFROM test.transfers")
    assert "Column 'colour' cannot be resolved" in error.message
    assert error.metadata == {"line": 2, "column": 8}


def test_unknown_qualified_column(dune, client, finished):
    sql = "SELECT t.id FROM test.transfers t JOIN test.tokens k ON k.symbol = t.ticker"
    error = failed(dune, client, finished, sql)
    assert "Column 't.ticker' cannot be resolved" in error.message
    assert error.metadata == {"line": 1, "column": 68}


def test_unknown_function(dune, client, finished):
    error = failed(dune, client, finished, "SELECT no_such_fn(id) FROM test.transfers")
    assert "Function 'no_such_fn' not registered" in error.message
    assert error.metadata == {"line": 1, "column": 8}


def test_writes_are_refused(dune, client, finished):
    error = failed(dune, client, finished, "DROP TABLE test.transfers")
    assert "read-only" in error.message
    assert client.run_sql(
        "SELECT count(*) AS n FROM test.transfers", ping_frequency=0
    ).get_rows() == [{"n": 3_000}]


def test_run_query_raises_query_failed_with_the_message(dune, client: DuneClient):
    query_id = dune.create_query("SELECT colour FROM test.transfers")
    with pytest.raises(QueryFailedError, match="Column 'colour' cannot be resolved"):
        client.run_query(QueryBase(query_id), ping_frequency=0)
    # The results endpoint reports the failure too (no rows).
