"""report_path: reports/{user_id}/{order_id}/{file_name}, and names that would leave the
order's folder are refused."""

from __future__ import annotations

import uuid

import pytest

from walletreports.dune_runner.domain import InvalidInput, InvalidReportFileName, report_path

USER = uuid.UUID("00000000-0000-4000-8000-000000000001")
ORDER = uuid.UUID("00000000-0000-4000-8000-00000000000a")


def test_a_report_goes_under_the_users_and_orders_folder() -> None:
    assert report_path(USER, ORDER, "transfers.csv") == f"reports/{USER}/{ORDER}/transfers.csv"


@pytest.mark.parametrize(
    "name",
    [
        "../other.csv",
        "..",
        ".",
        "a/b.csv",
        "/etc/passwd",
        "a\\b.csv",
        "C:\\x.csv",
        "C:x.csv",
        "x.csv\x00.txt",
        "",
        ".hidden.csv",
        "sp ace.csv",
        "ü.csv",
        "a" * 201,
    ],
)
def test_report_path_refuses_names_that_escape_or_are_not_plain(name: str) -> None:
    with pytest.raises(InvalidReportFileName) as refused:
        report_path(USER, ORDER, name)
    assert isinstance(refused.value, InvalidInput)
    assert refused.value.code == "invalid_report_file_name"


@pytest.mark.parametrize("name", ["defi_trades.csv", "lp-events.v2.csv", "A1.csv"])
def test_plain_names_are_taken(name: str) -> None:
    assert report_path(USER, ORDER, name).endswith(f"/{name}")
