"""Writing many rows with one constant statement.

Each column travels as one array and PostgreSQL unnests them back into rows:
`INSERT INTO t (a, b) SELECT * FROM unnest(:a::type[], :b::type[])`. The statement
text is the same whatever the number of rows, so it is compiled, converted and
prepared once; an executemany instead sends one statement per row, and a multi-row
VALUES is a new statement for every row count. Used where a batch of events becomes
rows (outbox, inbox, a batch handler's effect).

Rows with large text or JSON (composed messages) travel better as one JSON document
(`insert_from_json` + `rows_json`): still one constant statement.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import Table, Text, Update, bindparam, cast, column, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, Insert, insert


def insert_from_arrays(
    table: Table, columns: Sequence[str], *, same_for_all: Sequence[str] = ()
) -> Insert:
    """INSERT of `same_for_all` + `columns`: bind each name of `columns` to a list
    (one item per row, all of one length) and each of `same_for_all` to one value."""
    rows = (
        func.unnest(*(bindparam(name, type_=ARRAY(table.c[name].type)) for name in columns))
        .table_valued(*columns)
        .render_derived()
    )
    constants = [bindparam(name, type_=table.c[name].type) for name in same_for_all]
    return insert(table).from_select([*same_for_all, *columns], select(*constants, *rows.c))


def insert_from_json(table: Table, columns: Sequence[str]) -> Insert:
    """INSERT of `columns` from one JSON text bound to `rows` (`rows_json`): PostgreSQL
    turns it back into typed rows (`jsonb_to_recordset(...) AS rows(col type, ...)`).
    For rows carrying large text or JSON (a composed email): arrays of text are
    escaped element by element on the way out, a JSON document is written in one go."""
    rows = (
        func.jsonb_to_recordset(cast(bindparam("rows", type_=Text), JSONB))
        .table_valued(*(column(name, table.c[name].type) for name in columns))
        .render_derived(name="rows", with_types=True)
    )
    return insert(table).from_select(list(columns), select(*rows.c))


def rows_json(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """The rows as insert_from_json takes them: ids, times and amounts as their text."""
    return json.dumps([{name: row[name] for name in columns} for row in rows], default=_text)


def _text(value: Any) -> Any:
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"{type(value).__name__} is not a column value insert_from_json can carry")


def update_from_json(table: Table, key: str, columns: Sequence[str]) -> Update:
    """UPDATE of `columns` of the rows whose `key` is in the JSON text bound to `rows`
    (`rows_json` of `key` + `columns`): one statement for any number of rows, where an
    executemany would send one per row."""
    names = [key, *columns]
    rows = (
        func.jsonb_to_recordset(cast(bindparam("rows", type_=Text), JSONB))
        .table_valued(*(column(name, table.c[name].type) for name in names))
        .render_derived(name="rows", with_types=True)
    )
    return (
        update(table)
        .where(table.c[key] == rows.c[key])
        .values({name: rows.c[name] for name in columns})
    )
