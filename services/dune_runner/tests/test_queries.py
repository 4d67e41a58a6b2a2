"""The report catalog: the shipped manifest loads, and a broken one fails with an error that
names the report and the problem. (The queries themselves run in the emulator's tests.)"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from walletreports.dune_runner.queries import ReportCatalogError, load_reports

SQL = "SELECT tx_hash FROM dex.trades WHERE tx_from = from_hex({{wallet_address}})\n"


def manifest(**overrides: str) -> str:
    """One report's manifest, with some of its lines replaced."""
    lines = {
        "name": '"trades"',
        "file": '"trades.sql"',
        "output_file": '"trades.csv"',
        "description": '"The wallet\'s trades."',
        "parameters": '[{ name = "wallet_address", type = "text" }]',
        "columns": '[{ name = "tx_hash", type = "varbinary" }]',
    } | overrides
    return "[[reports]]\n" + "".join(f"{key} = {value}\n" for key, value in lines.items())


def catalog(tmp_path: Path, manifest_text: str, **files: str) -> Path:
    (tmp_path / "reports.toml").write_text(manifest_text, encoding="utf-8")
    for name, text in ({"trades.sql": SQL} | files).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def fails(directory: Path, *fragments: str) -> None:
    with pytest.raises(ReportCatalogError) as error:
        load_reports(directory)
    for fragment in fragments:
        assert fragment in str(error.value)


def test_the_shipped_reports_load() -> None:
    reports = load_reports()
    assert [r.name for r in reports] == ["defi_trades", "lp_events", "transfers"]
    for report in reports:
        assert report.output_file == f"{report.name}.csv"
        assert report.parameter_names == ("wallet_address",)
        (wallet,) = report.parameters
        assert (wallet.type, wallet.default) == ("text", None)  # no wallet, no run
        assert "{{wallet_address}}" in report.sql
        assert report.description
        assert report.column_names[0] == "block_time"  # time first, as the rows are ordered
        assert {"blockchain", "tx_hash"} <= set(report.column_names)


def test_a_report_query_is_immutable() -> None:
    report = load_reports()[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.sql = "SELECT 1"  # type: ignore[misc]


def test_a_valid_manifest_in_another_directory_loads(tmp_path: Path) -> None:
    (report,) = load_reports(catalog(tmp_path, manifest()))
    assert report.name == "trades"
    assert report.sql == SQL
    assert report.output_file == "trades.csv"
    assert [(c.name, c.type) for c in report.columns] == [("tx_hash", "varbinary")]


def test_a_placeholder_without_a_declared_parameter_is_named(tmp_path: Path) -> None:
    sql = SQL.replace("\n", " AND block_time >= {{start_date}}\n")
    fails(
        catalog(tmp_path, manifest(), **{"trades.sql": sql}),
        "report 'trades'",
        "uses undeclared parameter(s): start_date",
    )


def test_a_declared_parameter_the_sql_does_not_use_is_named(tmp_path: Path) -> None:
    parameters = '[{ name = "wallet_address", type = "text" }, { name = "chain", type = "text" }]'
    fails(
        catalog(tmp_path, manifest(parameters=parameters)),
        "report 'trades'",
        "declared parameter(s) not used in trades.sql: chain",
    )


def test_a_missing_query_file_is_named(tmp_path: Path) -> None:
    fails(
        catalog(tmp_path, manifest(file='"missing.sql"')),
        "report 'trades'",
        "'missing.sql' does not exist",
    )


@pytest.mark.parametrize(
    ("output_file", "problem"),
    [
        ("../trades.csv", "contains a path separator"),
        ("reports/trades.csv", "contains a path separator"),
        ("..\\\\trades.csv", "contains a path separator"),
        ("/tmp/trades.csv", "is an absolute path"),
        ("C:\\\\trades.csv", "is an absolute path"),
        ("C:trades.csv", "names a drive"),
        ("..", "is not a file name"),
        (".trades.csv", "must not start with '.'"),
        ("trades .csv", "may contain only letters"),
        ("trades.json", "must be a .csv file name"),
    ],
)
def test_an_unsafe_output_file_name_is_refused(
    tmp_path: Path, output_file: str, problem: str
) -> None:
    fails(
        catalog(tmp_path, manifest(output_file=f'"{output_file}"')),
        "report 'trades'",
        "output_file",
        problem,
    )


def test_duplicate_report_names_and_output_files_are_refused(tmp_path: Path) -> None:
    fails(catalog(tmp_path, manifest() + manifest()), "report name 'trades' is declared twice")
    second = manifest(name='"more_trades"')
    fails(catalog(tmp_path, manifest() + second), "output_file 'trades.csv' is declared twice")


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"outputfile": '"x.csv"'}, "unknown key(s) outputfile"),
        ({"parameters": "[{ name = 'wallet_address', type = 'address' }]"}, "not a Dune parameter"),
        ({"parameters": "[{ name = 'wallet_address', type = 'text', default = 1 }]"}, "a string"),
        ({"columns": "[]"}, "columns must be a non-empty list"),
        ({"columns": "[{ name = 'tx_hash', type = 'bytes' }]"}, "'bytes' of column 'tx_hash'"),
        (
            {"columns": "[{ name = 'a', type = 'bigint' }, { name = 'a', type = 'bigint' }]"},
            "column name 'a' is declared twice",
        ),
    ],
)
def test_other_manifest_mistakes_are_named(
    tmp_path: Path, overrides: dict[str, str], problem: str
) -> None:
    fails(catalog(tmp_path, manifest(**overrides)), "report 'trades'", problem)


def test_a_report_with_an_invalid_name_is_named_by_its_position(tmp_path: Path) -> None:
    text = manifest() + manifest(name='"Trades!"', output_file='"more.csv"')
    fails(catalog(tmp_path, text), "report #2: name 'Trades!' must be lower-case")


def test_a_malformed_placeholder_is_named(tmp_path: Path) -> None:
    sql = SQL.replace("{{wallet_address}}", "{{wallet address}}")
    fails(
        catalog(tmp_path, manifest(), **{"trades.sql": sql}),
        "malformed placeholder '{{wallet address}}'",
    )


def test_a_manifest_that_is_not_toml_or_declares_nothing_is_refused(tmp_path: Path) -> None:
    fails(catalog(tmp_path, "[[reports]\nname = "), "reports.toml is not valid TOML")
    fails(catalog(tmp_path, "# no reports yet\n"), "declares no reports")
    fails(catalog(tmp_path, 'title = "x"\n' + manifest()), "the manifest: unknown key(s) title")


def test_a_directory_without_a_manifest_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ReportCatalogError, match=re.escape("reports.toml not found")):
        load_reports(tmp_path)


def test_an_empty_query_file_is_refused(tmp_path: Path) -> None:
    fails(catalog(tmp_path, manifest(), **{"trades.sql": "  \n"}), "'trades.sql' is empty")
