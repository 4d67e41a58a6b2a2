"""The report bundle's summary: exact sums, deterministic order, JSON."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from walletreports.dune_runner.domain import (
    ReportRows,
    SummaryColumns,
    parse_time,
    summarize,
)

TRANSFERS = SummaryColumns(
    time="block_time", usd="amount_usd", token="symbol", counterparty="counterparty"
)
TRADES = SummaryColumns(time="block_time", usd="amount_usd", token="token_bought_symbol")
ALICE = "0xAbCdEf0123456789abcdef0123456789ABCDEF01"
BOB = "0x1111111111111111111111111111111111111111"


def transfers() -> ReportRows:
    rows = [
        {
            "block_time": "2024-01-15 10:00:00.000 UTC",
            "amount_usd": "0.1",
            "symbol": "USDC",
            "counterparty": ALICE,
        },
        {
            "block_time": "2024-01-31 23:59:59.999 UTC",
            "amount_usd": "0.2",
            "symbol": "USDC",
            "counterparty": ALICE.lower(),
        },
        {
            "block_time": "2024-02-01 00:00:00.000 UTC",
            "amount_usd": "-1000.000000000000000001",
            "symbol": "WETH",
            "counterparty": BOB,
        },
        {
            "block_time": "2023-12-31T22:00:00-05:00",
            "amount_usd": "",
            "symbol": "WETH",
            "counterparty": BOB,
        },
        {"block_time": "", "amount_usd": "5", "symbol": "", "counterparty": ""},
    ]
    return ReportRows("transfers", rows, TRANSFERS)


def trades() -> ReportRows:
    rows = [
        {
            "block_time": "2024-02-10 12:00:00.000 UTC",
            "amount_usd": "1e2",
            "token_bought_symbol": "WETH",
        },
        {"block_time": "not a time", "amount_usd": "NaN", "token_bought_symbol": "PEPE"},
    ]
    return ReportRows("defi_trades", rows, TRADES)


def test_summary_sums_usd_exactly() -> None:
    summary = summarize([transfers(), trades()])
    # 0.1 + 0.2 is 0.3 here, and the 1e-18 survives next to 1000.
    assert summary.volume_usd_by_month["2024-01"] == Decimal("0.3")
    assert summary.volume_usd_by_month["2024-02"] == Decimal("1100.000000000000000001")
    assert summary.total_volume_usd == Decimal("1105.300000000000000001")


def test_summary_sums_many_long_amounts_without_rounding() -> None:
    amounts = [Decimal(f"{n}.{'7' * 40}") for n in range(1, 2001)]
    rows = [{"usd": str(a)} for a in amounts]
    summary = summarize([ReportRows("r", rows, SummaryColumns(usd="usd"))])
    scaled = str(sum(range(1, 2001)) * 10**40 + 2000 * int("7" * 40))
    exact = Decimal(f"{scaled[:-40]}.{scaled[-40:]}")
    assert summary.total_volume_usd == exact
    assert sum(amounts, Decimal(0)) != exact  # what the default 28 digits would have made


def test_volume_by_token_and_rows_per_report() -> None:
    summary = summarize([transfers(), trades()])
    assert summary.rows_per_report == {"transfers": 5, "defi_trades": 2}
    assert list(summary.volume_usd_by_token.items()) == [
        ("WETH", Decimal("1100.000000000000000001")),
        ("USDC", Decimal("0.3")),
    ]


def test_top_counterparties_by_volume_with_addresses_in_lower_case() -> None:
    summary = summarize([transfers()], top_counterparties=5)
    assert [(c.address, c.volume_usd, c.rows) for c in summary.top_counterparties] == [
        (BOB, Decimal("1000.000000000000000001"), 2),
        (ALICE.lower(), Decimal("0.3"), 2),
    ]
    assert summarize([transfers()], top_counterparties=1).top_counterparties[0].address == BOB


def test_first_and_last_activity_in_utc() -> None:
    summary = summarize([transfers(), trades()])
    assert summary.first_activity == datetime(2024, 1, 1, 3, 0, tzinfo=UTC)
    assert summary.last_activity == datetime(2024, 2, 10, 12, 0, tzinfo=UTC)


def test_unreadable_cells_are_counted_not_guessed() -> None:
    summary = summarize([transfers(), trades()])
    assert summary.unreadable_values == {"defi_trades.amount_usd": 1, "defi_trades.block_time": 1}
    assert "PEPE" not in summary.volume_usd_by_token


def test_the_summary_does_not_depend_on_row_order() -> None:
    first = summarize([transfers(), trades()]).to_json()
    for seed in range(5):
        shuffled = transfers()
        rows = list(shuffled.rows)
        random.Random(seed).shuffle(rows)
        again = summarize([ReportRows("transfers", rows, TRANSFERS), trades()]).to_json()
        assert json.dumps(again) == json.dumps(first)


def test_the_summary_is_plain_json() -> None:
    data = summarize([transfers(), trades()]).to_json()
    assert json.loads(json.dumps(data)) == data
    assert data["total_volume_usd"] == "1105.300000000000000001"
    assert data["volume_usd_by_month"] == {
        "2024-01": "0.3",
        "2024-02": "1100.000000000000000001",
    }
    assert data["first_activity"] == "2024-01-01T03:00:00Z"
    assert data["total_rows"] == 7


def test_an_empty_bundle_has_an_empty_summary() -> None:
    data = summarize([]).to_json()
    assert data["total_volume_usd"] == "0" and data["first_activity"] is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-01 12:34:56.000 UTC", datetime(2024, 3, 1, 12, 34, 56, tzinfo=UTC)),
        ("2024-03-01T12:34:56Z", datetime(2024, 3, 1, 12, 34, 56, tzinfo=UTC)),
        ("2024-03-01", datetime(2024, 3, 1, tzinfo=UTC)),
        ("  ", None),
    ],
)
def test_times_as_dune_writes_them(text: str, expected: datetime | None) -> None:
    assert parse_time(text) == expected
