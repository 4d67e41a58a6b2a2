"""Results as CSV, as Dune's /results/csv answers: a header line, then one line per row;
NULL is an empty cell, other values are written as in the JSON rows (nested ones as JSON)."""

from __future__ import annotations

import csv
import io
from typing import Any

import orjson

from .result_set import ResultSet


def render_csv(result: ResultSet, columns: list[str], start: int, end: int) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in result.rows[start:end]:
        writer.writerow([_cell(row[c]) for c in columns])
    return buffer.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return orjson.dumps(value).decode()
    return str(value)
