"""The report bundle's summary, from the CSV rows of the completed reports.

Pure: rows come in as read from the CSVs (column name -> text); which column holds the
time, the USD amount, the token symbol and the counterparty is configured per report
(`SummaryColumns`, names from the queries catalog), any of them may be absent.

- rows per report (every row counts, whatever its values);
- volume in USD: the sum of the absolute USD amounts (an outflow is volume too), in
  total, by UTC month (`YYYY-MM`, rows with a time) and by token symbol (rows with one);
- top counterparties by USD volume (then by rows, then by address), addresses that look
  like EVM addresses compared in lower case;
- first and last activity: the earliest and latest time of any row.

Sums are exact: Decimal arithmetic with unbounded precision, so the order of rows does
not change a digit. Empty cells are missing values; a cell that is not a number or a
time is counted in `unreadable_values` (per report and column) and left out, never
guessed. Ordering is deterministic (months ascending; tokens and counterparties by
volume descending, then name). `to_json()` gives plain JSON (amounts as decimal strings,
times as ISO 8601 UTC).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal, InvalidOperation, localcontext
from typing import Any

__all__ = [
    "BundleSummary",
    "CounterpartyVolume",
    "ReportRows",
    "SummaryColumns",
    "parse_time",
    "parse_usd",
    "summarize",
]

_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)
_EVM_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_UTC_SUFFIX = re.compile(r"\s*(UTC|Z)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class SummaryColumns:
    """Which column of a report holds what; None: the report has no such column."""

    time: str | None = None
    usd: str | None = None
    token: str | None = None
    counterparty: str | None = None


@dataclass(frozen=True, slots=True)
class ReportRows:
    query_name: str
    rows: Sequence[Mapping[str, str]]
    columns: SummaryColumns = field(default_factory=SummaryColumns)


@dataclass(frozen=True, slots=True)
class CounterpartyVolume:
    address: str
    volume_usd: Decimal
    rows: int


@dataclass(frozen=True)
class BundleSummary:
    rows_per_report: dict[str, int]
    total_volume_usd: Decimal
    volume_usd_by_month: dict[str, Decimal]
    volume_usd_by_token: dict[str, Decimal]
    top_counterparties: list[CounterpartyVolume]
    first_activity: datetime | None
    last_activity: datetime | None
    # "<report>.<column>" -> cells that could not be read
    unreadable_values: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        return {
            "rows_per_report": dict(self.rows_per_report),
            "total_rows": sum(self.rows_per_report.values()),
            "total_volume_usd": _text(self.total_volume_usd),
            "volume_usd_by_month": {k: _text(v) for k, v in self.volume_usd_by_month.items()},
            "volume_usd_by_token": {k: _text(v) for k, v in self.volume_usd_by_token.items()},
            "top_counterparties": [
                {"address": c.address, "volume_usd": _text(c.volume_usd), "rows": c.rows}
                for c in self.top_counterparties
            ],
            "first_activity": _iso(self.first_activity),
            "last_activity": _iso(self.last_activity),
            "unreadable_values": dict(self.unreadable_values),
        }


def _text(amount: Decimal) -> str:
    return format(amount, "f")


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def parse_usd(text: str) -> Decimal | None:
    """A CSV cell as an exact Decimal; None when it is empty. ValueError if unreadable."""
    cell = text.strip()
    if not cell:
        return None
    try:
        amount = Decimal(cell)
    except InvalidOperation:
        raise ValueError(f"not a number: {cell!r}") from None
    if not amount.is_finite():
        raise ValueError(f"not a finite number: {cell!r}")
    return amount


def parse_time(text: str) -> datetime | None:
    """A CSV cell as a UTC time: Dune's `2024-03-01 12:34:56.000 UTC`, ISO 8601 (with or
    without an offset; none means UTC), or a bare date. None when empty."""
    cell = text.strip()
    if not cell:
        return None
    stripped = _UTC_SUFFIX.sub("", cell)
    try:
        if len(stripped) == 10:
            day = date.fromisoformat(stripped)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(stripped)
    except ValueError:
        raise ValueError(f"not a time: {cell!r}") from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _counterparty(text: str) -> str:
    cell = text.strip()
    return cell.lower() if _EVM_ADDRESS.fullmatch(cell) else cell


def summarize(reports: Sequence[ReportRows], *, top_counterparties: int = 10) -> BundleSummary:
    if top_counterparties < 0:
        raise ValueError("top_counterparties must not be negative")
    with localcontext(_EXACT):
        return _summarize(reports, top_counterparties)


def _summarize(reports: Sequence[ReportRows], top: int) -> BundleSummary:
    rows_per_report: dict[str, int] = {}
    by_month: dict[str, Decimal] = {}
    by_token: dict[str, Decimal] = {}
    parties: dict[str, tuple[Decimal, int]] = {}
    unreadable: dict[str, int] = {}
    total = Decimal(0)
    first: datetime | None = None
    last: datetime | None = None

    def unreadable_cell(report: str, column: str) -> None:
        key = f"{report}.{column}"
        unreadable[key] = unreadable.get(key, 0) + 1

    for report in reports:
        columns = report.columns
        rows_per_report[report.query_name] = rows_per_report.get(report.query_name, 0) + len(
            report.rows
        )
        for row in report.rows:
            moment = amount = None
            if columns.time is not None:
                try:
                    moment = parse_time(row.get(columns.time, ""))
                except ValueError:
                    unreadable_cell(report.query_name, columns.time)
            if columns.usd is not None:
                try:
                    value = parse_usd(row.get(columns.usd, ""))
                    amount = None if value is None else abs(value)
                except ValueError:
                    unreadable_cell(report.query_name, columns.usd)
            if moment is not None:
                first = moment if first is None else min(first, moment)
                last = moment if last is None else max(last, moment)
            counterparty = (
                _counterparty(row.get(columns.counterparty, "")) if columns.counterparty else ""
            )
            if counterparty:
                volume, count = parties.get(counterparty, (Decimal(0), 0))
                parties[counterparty] = (volume + (amount or 0), count + 1)
            if amount is None:
                continue
            total += amount
            if moment is not None:
                month = f"{moment.year:04d}-{moment.month:02d}"
                by_month[month] = by_month.get(month, Decimal(0)) + amount
            token = row.get(columns.token, "").strip() if columns.token else ""
            if token:
                by_token[token] = by_token.get(token, Decimal(0)) + amount

    ranked = sorted(parties.items(), key=lambda item: (-item[1][0], -item[1][1], item[0]))
    return BundleSummary(
        rows_per_report=rows_per_report,
        total_volume_usd=total,
        volume_usd_by_month=dict(sorted(by_month.items())),
        volume_usd_by_token=dict(sorted(by_token.items(), key=lambda kv: (-kv[1], kv[0]))),
        top_counterparties=[
            CounterpartyVolume(address=address, volume_usd=volume, rows=count)
            for address, (volume, count) in ranked[:top]
        ],
        first_activity=first,
        last_activity=last,
        unreadable_values=dict(sorted(unreadable.items())),
    )
