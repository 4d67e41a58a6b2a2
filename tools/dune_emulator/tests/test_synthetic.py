"""The synthetic Dune tables, and every shipped report query run over them the way the
emulator runs a query: `{{wallet_address}}` replaced by the address text verbatim (as Dune
does with a text parameter, so the unquoted 0x... is a varbinary literal), the SQL
transpiled from Trino to DuckDB by sqlglot, then executed with the emulator's settings."""

from __future__ import annotations

import re
from collections.abc import Iterator

import duckdb
import pytest
import sqlglot
import sqlglot.errors

from walletreports.dune_emulator import synthetic
from walletreports.dune_emulator.synthetic.tables import DUCKDB_TYPES_FOR_DUNE
from walletreports.dune_emulator.synthetic.wallets import DEFI_POWER_USER
from walletreports.dune_runner.queries import load_reports

REPORTS = {report.name: report for report in load_reports()}
PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}")


@pytest.fixture(scope="module")
def connection() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    # Trino semantics the emulator's engine asks of DuckDB (integer division stays integer).
    connection.execute("SET integer_division = true")
    synthetic.load(connection)
    yield connection
    connection.close()


class Result:
    def __init__(self, cursor: duckdb.DuckDBPyConnection) -> None:
        assert cursor.description is not None
        self.names = [column[0] for column in cursor.description]
        self.types = [str(column[1]) for column in cursor.description]
        self.rows = cursor.fetchall()

    def column(self, name: str) -> list[object]:
        index = self.names.index(name)
        return [row[index] for row in self.rows]


def run(connection: duckdb.DuckDBPyConnection, sql: str, wallet: str) -> Result:
    """What the emulator does with a query and its text parameter."""

    def verbatim(match: re.Match[str]) -> str:
        assert match.group(1).strip() == "wallet_address"
        return wallet

    statements = sqlglot.transpile(PLACEHOLDER.sub(verbatim, sql), read="trino", write="duckdb")
    assert len(statements) == 1
    return Result(connection.execute(statements[0]))


RICH = [(report, wallet) for report in REPORTS for wallet in synthetic.RICH_WALLETS]


@pytest.mark.parametrize(("report_name", "wallet"), RICH, ids=[f"{r}-{w.label}" for r, w in RICH])
def test_a_rich_wallet_gets_its_rows_with_the_declared_columns(
    connection: duckdb.DuckDBPyConnection, report_name: str, wallet: synthetic.SyntheticWallet
) -> None:
    report = REPORTS[report_name]
    result = run(connection, report.sql, wallet.address)
    assert result.names == list(report.column_names)
    for column, duckdb_type in zip(report.columns, result.types, strict=True):
        assert duckdb_type in DUCKDB_TYPES_FOR_DUNE[column.type], (column.name, duckdb_type)
    assert len(result.rows) == wallet.expected_rows[report_name]
    times = result.column("block_time")
    assert times == sorted(times)


@pytest.mark.parametrize("report_name", list(REPORTS))
def test_the_empty_wallet_gets_no_rows_but_the_declared_columns(
    connection: duckdb.DuckDBPyConnection, report_name: str
) -> None:
    report = REPORTS[report_name]
    result = run(connection, report.sql, synthetic.EMPTY_WALLET)
    assert result.rows == []
    assert result.names == list(report.column_names)


@pytest.mark.parametrize("report_name", list(REPORTS))
def test_the_wallet_address_matches_in_any_letter_case(
    connection: duckdb.DuckDBPyConnection, report_name: str
) -> None:
    sql, hex_digits = REPORTS[report_name].sql, DEFI_POWER_USER.address[2:]
    lower = run(connection, sql, DEFI_POWER_USER.address).rows
    mixed = "".join(c.upper() if i % 2 else c for i, c in enumerate(hex_digits))
    assert lower
    assert run(connection, sql, "0x" + hex_digits.upper()).rows == lower
    assert run(connection, sql, f"0x{mixed}").rows == lower
    assert run(connection, sql, f"  0x{mixed} ").rows == lower


def test_reports_span_several_chains(connection: duckdb.DuckDBPyConnection) -> None:
    for report_name, at_least in (("defi_trades", 4), ("transfers", 4), ("lp_events", 3)):
        result = run(connection, REPORTS[report_name].sql, DEFI_POWER_USER.address)
        assert len(set(result.column("blockchain"))) >= at_least, report_name


def test_every_trade_is_taken_or_signed_by_the_wallet(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    wallet = DEFI_POWER_USER.address_bytes
    result = run(connection, REPORTS["defi_trades"].sql, DEFI_POWER_USER.address)
    takers, signers = result.column("taker"), result.column("tx_from")
    assert all(wallet in pair for pair in zip(takers, signers, strict=True))
    # Both halves of the condition matter: routed trades, and relayed (gasless) ones.
    assert any(taker != wallet for taker in takers)
    assert any(signer != wallet for signer in signers)


def test_every_transfer_moves_the_wallets_tokens(connection: duckdb.DuckDBPyConnection) -> None:
    wallet = DEFI_POWER_USER.address_bytes
    result = run(connection, REPORTS["transfers"].sql, DEFI_POWER_USER.address)
    for row in result.rows:
        record = dict(zip(result.names, row, strict=True))
        assert wallet == (record["to"] if record["direction"] == "in" else record["from"])
        assert record["counterparty"] == (
            record["from"] if record["direction"] == "in" else record["to"]
        )
    assert {"in", "out"} <= set(result.column("direction"))
    assert {"native", "erc20"} <= set(result.column("token_standard"))
    assert None in result.column("symbol")  # spam tokens Dune knows nothing about


def test_liquidity_events_know_their_pool_tokens_and_prices(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    wallet = synthetic.RICH_WALLETS[1]  # the LP farmer
    result = run(connection, REPORTS["lp_events"].sql, wallet.address)
    assert set(result.column("version")) == {"2", "3"}
    assert set(result.column("event_type")) == {"add_liquidity", "remove_liquidity", "collect"}
    for row in result.rows:
        record = dict(zip(result.names, row, strict=True))
        assert record["pool_address"] is not None
        assert wallet.address_bytes in (record["tx_from"], record["recipient"])
        for side in ("token0", "token1"):
            assert record[f"{side}_address"] is not None
            # Only the deliberately unpriced token lacks a price at the event's minute.
            unpriced = record[f"{side}_symbol"] in ("FROG",)
            assert (record[f"{side}_price_usd"] is None) == unpriced
        assert (record["position_id"] is None) == (record["version"] == "2")


def test_a_misspelt_column_fails_naming_the_column(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    broken = _broken("t.token_sold_amount_raw,", "t.token_sold_amount_rw,")
    with pytest.raises(duckdb.BinderException, match="token_sold_amount_rw"):
        run(connection, broken, DEFI_POWER_USER.address)


def test_a_syntax_error_fails_naming_the_problem(connection: duckdb.DuckDBPyConnection) -> None:
    # sqlglot parses the query before DuckDB sees it, so it is sqlglot that reports most
    # syntax errors; either way the run fails with the problem named.
    broken = _broken("WHERE t.taker = w.address", "WHERE (t.taker = w.address")
    with pytest.raises((sqlglot.errors.ParseError, duckdb.ParserException), match=r"Expecting \)"):
        run(connection, broken, DEFI_POWER_USER.address)


def _broken(correct: str, wrong: str) -> str:
    sql = REPORTS["defi_trades"].sql
    assert sql.count(correct) == 1
    return sql.replace(correct, wrong)


def test_two_builds_give_identical_tables_and_reports(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    again = duckdb.connect()
    synthetic.load(again)
    try:
        for table in synthetic.TABLES:
            query = f"SELECT * FROM {table.sql_name}"
            assert again.sql(query).fetchall() == connection.sql(query).fetchall(), table.name
        for report in REPORTS.values():
            for wallet in synthetic.RICH_WALLETS:
                first = run(connection, report.sql, wallet.address).rows
                assert run(again, report.sql, wallet.address).rows == first
    finally:
        again.close()


def test_loading_twice_into_one_connection_replaces_the_tables(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    again = duckdb.connect()
    try:
        synthetic.load(again)
        synthetic.load(again)
        for table in synthetic.TABLES:
            count = f"SELECT count(*) FROM {table.sql_name}"
            assert again.sql(count).fetchall() == connection.sql(count).fetchall(), table.name
    finally:
        again.close()


def test_tables_have_dunes_column_names(connection: duckdb.DuckDBPyConnection) -> None:
    def columns(table: str) -> list[str]:
        return [name for name, *_ in connection.sql(f"DESCRIBE {table}").fetchall()]

    assert columns("dex.trades") == [
        "blockchain", "project", "version", "block_month", "block_date", "block_time",
        "block_number", "token_bought_symbol", "token_sold_symbol", "token_pair",
        "token_bought_amount", "token_sold_amount", "token_bought_amount_raw",
        "token_sold_amount_raw", "amount_usd", "token_bought_address", "token_sold_address",
        "taker", "maker", "project_contract_address", "tx_hash", "tx_from", "tx_to", "evt_index",
    ]  # fmt: skip
    assert columns("tokens.transfers")[1:] == [
        "blockchain", "block_month", "block_date", "block_time", "block_number", "tx_hash",
        "evt_index", "trace_address", "token_standard", "tx_from", "tx_to", "tx_index", "from",
        "to", "contract_address", "symbol", "amount_raw", "amount", "price_usd", "amount_usd",
    ]  # fmt: skip
    decoded = [
        "contract_address", "evt_tx_hash", "evt_tx_from", "evt_tx_to", "evt_tx_index",
        "evt_index", "evt_block_time", "evt_block_number", "evt_block_date",
    ]  # fmt: skip
    assert columns("uniswap_v2_ethereum.Pair_evt_Mint") == [
        *decoded,
        "sender",
        "amount0",
        "amount1",
    ]
    assert columns("uniswap_v3_base.NonfungiblePositionManager_evt_Collect") == [
        *decoded, "tokenId", "recipient", "amount0", "amount1",
    ]  # fmt: skip


def test_every_table_a_query_reads_exists(connection: duckdb.DuckDBPyConnection) -> None:
    existing = {
        f"{schema}.{table}".lower()
        for schema, table in connection.sql(
            "SELECT schema_name, table_name FROM duckdb_tables()"
        ).fetchall()
    }
    for report in REPORTS.values():
        sql = PLACEHOLDER.sub("0x00", report.sql)
        for table in sqlglot.parse_one(sql, read="trino").find_all(sqlglot.exp.Table):
            if table.db:  # a CTE has no schema
                assert f"{table.db}.{table.name}".lower() in existing, (report.name, table.sql())
