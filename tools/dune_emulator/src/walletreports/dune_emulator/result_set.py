"""One execution's result: column names and Dune type names, rows as JSON objects, and the
byte sizes Dune reports about them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from .result_types import dune_type_name, settle_hugeint_column, value_converter


@dataclass(frozen=True, slots=True)
class ResultSet:
    column_names: list[str]
    column_types: list[str]
    rows: list[dict[str, Any]]
    # Dune's result_set_bytes counts the header line plus the raw values, not the JSON
    # around them; each row's share is kept so a page can report its own.
    header_bytes: int
    row_bytes: list[int]

    def truncated(self, max_rows: int) -> ResultSet:
        return ResultSet(
            self.column_names,
            self.column_types,
            self.rows[:max_rows],
            self.header_bytes,
            self.row_bytes[:max_rows],
        )

    def bytes_of(self, start: int, end: int) -> int:
        return self.header_bytes + sum(self.row_bytes[start:end])


def read_result_set(cursor: duckdb.DuckDBPyConnection) -> ResultSet:
    description = cursor.description or []
    names = [column[0] for column in description]
    raw_rows = cursor.fetchall()
    types = []
    for index, column in enumerate(description):
        name = dune_type_name(column[1])
        if column[1].id == "hugeint":
            name = settle_hugeint_column([row[index] for row in raw_rows])
        types.append(name)
    converters = [value_converter(t) for t in types]
    rows = []
    row_bytes = []
    for raw in raw_rows:
        values = [convert(v) for convert, v in zip(converters, raw, strict=True)]
        rows.append(dict(zip(names, values, strict=True)))
        row_bytes.append(sum(len(str(v).encode()) for v in values if v is not None))
    header_bytes = len(",".join(names).encode())
    return ResultSet(names, types, rows, header_bytes, row_bytes)
