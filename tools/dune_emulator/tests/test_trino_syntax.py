"""DuneSQL (Trino) the real queries use, transpiled by sqlglot and run on DuckDB with
Trino's results: varbinary literals and from_hex, date_trunc, casts to varchar, lower,
UNNEST, approx_distinct, integer division, date arithmetic."""

from dune_client.client import DuneClient

TRINO_ONLY = """
WITH monthly AS (
    SELECT
        date_trunc('month', block_time) AS month,
        lower(to_hex(wallet)) AS wallet_hex,
        CAST(id AS varchar) AS id_text,
        amount
    FROM test.transfers
    WHERE wallet = 0x0000000000000000000000000000000000000003
      AND block_time < date_add('month', 2, TIMESTAMP '2024-01-01 00:00:00')
)
SELECT
    month,
    approx_distinct(wallet_hex) AS wallets,
    count(*) AS transfers,
    max(id_text) AS max_id_text,
    count(*) / 2 AS half,
    date_diff('day', min(month), max(month)) AS days
FROM monthly
GROUP BY 1
ORDER BY 1
"""


def test_trino_functions_run_with_trino_results(client: DuneClient):
    rows = client.run_sql(TRINO_ONLY, ping_frequency=0).get_rows()
    assert rows == [
        {
            "month": "2024-01-01 00:00:00.000 UTC",
            "wallets": 1,
            "transfers": 35,
            "max_id_text": "94",
            "half": 17,  # 35 / 2: integer division, as in Trino
            "days": 0,
        },
        {
            "month": "2024-02-01 00:00:00.000 UTC",
            "wallets": 1,
            "transfers": 34,
            "max_id_text": "479",  # the max of the text: compared as strings
            "half": 17,
            "days": 0,
        },
    ]


def test_unnest_and_from_hex(client: DuneClient):
    sql = """
    SELECT t.symbol, tag
    FROM test.transfers AS t
    CROSS JOIN UNNEST(t.tags) AS u(tag)
    WHERE t.id = 7
    ORDER BY tag
    """
    assert client.run_sql(sql, ping_frequency=0).get_rows() == [
        {"symbol": "WETH", "tag": 1},
        {"symbol": "WETH", "tag": 2},
    ]
    token = client.run_sql(
        "SELECT symbol FROM test.tokens "
        "WHERE address = from_hex('c02aaa39b223fe8d0a0e5c4f27ead9083c756cc2')",
        ping_frequency=0,
    )
    assert token.get_rows() == [{"symbol": "WETH"}]


def test_what_sqlglot_cannot_translate_fails_clearly(client: DuneClient):
    from dune_client.models import QueryFailedError

    try:
        client.run_sql(
            "SELECT reduce(ARRAY[1, 2], 0, (s, x) -> s + x, s -> s) AS total", ping_frequency=0
        )
    except QueryFailedError as failure:
        assert "Not supported by the emulator" in str(failure)
    else:
        raise AssertionError("reduce() with a finish function should not run")
