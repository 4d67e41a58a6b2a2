"""Writing many rows with one constant statement.

Each column travels as one array and PostgreSQL unnests them back into rows:
`INSERT INTO t (a, b) SELECT * FROM unnest(:a::type[], :b::type[])`. The statement
text is the same whatever the number of rows, so it is compiled, converted and
prepared once; an executemany instead sends one statement per row, and a multi-row
VALUES is a new statement for every row count. Used where a batch of events becomes
rows (outbox, inbox, a batch handler's effect).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Table, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY, Insert, insert


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
