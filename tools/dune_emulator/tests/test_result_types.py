"""DuckDB values and types as Dune reports them (Trino type names, Dune's JSON renderings),
straight through the SQL engine."""

from walletreports.dune_emulator.sql_engine import SqlEngine


def run(sql: str):
    engine = SqlEngine(loader=None)
    try:
        return engine.run_blocking(sql)
    finally:
        engine.close()


def test_types_and_values():
    result = run(
        """
        SELECT
            true AS flag, CAST(1 AS integer) AS i, CAST(2 AS bigint) AS b, 1.5e0 AS d,
            CAST('2.50' AS decimal(10,2)) AS dec, 'x' AS s, 0xABCD AS bin,
            DATE '2024-02-29' AS day, TIMESTAMP '2024-02-29 12:34:56.789' AS ts,
            from_iso8601_timestamp('2024-02-29T12:34:56Z') AS tstz,
            ARRAY[1, 2] AS arr, CAST(NULL AS varchar) AS nothing
        """
    )
    assert dict(zip(result.column_names, result.column_types, strict=True)) == {
        "flag": "boolean",
        "i": "integer",
        "b": "bigint",
        "d": "double",
        "dec": "decimal(10,2)",
        "s": "varchar",
        "bin": "varbinary",
        "day": "date",
        "ts": "timestamp(3)",
        "tstz": "timestamp(3) with time zone",
        "arr": "array(integer)",
        "nothing": "varchar",
    }
    assert result.rows == [
        {
            "flag": True,
            "i": 1,
            "b": 2,
            "d": 1.5,
            "dec": 2.5,
            "s": "x",
            "bin": "0xabcd",
            "day": "2024-02-29",
            "ts": "2024-02-29 12:34:56.789",
            "tstz": "2024-02-29 12:34:56.000 UTC",
            "arr": [1, 2],
            "nothing": None,
        }
    ]


def test_sums_are_bigint_until_they_need_256_bits():
    small = run("SELECT sum(x) AS total FROM UNNEST(ARRAY[1, 2, 3]) AS t(x)")
    assert (small.column_types, small.rows) == (["bigint"], [{"total": 6}])
    huge = run("SELECT CAST(9223372036854775807 AS hugeint) * 4 AS total")
    assert (huge.column_types, huge.rows) == (["int256"], [{"total": "36893488147419103228"}])


def test_nested_types_are_named_as_trino_names_them():
    result = run(
        "SELECT CAST(ROW(1, 'a') AS ROW(n integer, s varchar)) AS r, MAP(ARRAY['k'], ARRAY[1]) AS m"
    )
    assert result.column_types == ["row(n integer, s varchar)", "map(varchar, integer)"]
    assert result.rows == [{"r": {"n": 1, "s": "a"}, "m": {"k": 1}}]
