"""Rows written from one JSON text (kit.bulk.insert_from_json / update_from_json):
every type a service stores comes back as it went in, text with quotes, newlines and
any script included; the statement is the same whatever the number of rows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import pytest_asyncio
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    Numeric,
    Table,
    Text,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from walletreports.kit.bulk import insert_from_json, rows_json, update_from_json
from walletreports.kit.db import Database

metadata = MetaData()
things = Table(
    "things",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("name", Text, nullable=False),
    Column("count", Integer),
    Column("price", Numeric(12, 2)),
    Column("at", DateTime(timezone=True)),
    Column("doc", JSONB),
)
COLUMNS = ("id", "name", "count", "price", "at", "doc")


@pytest.fixture(scope="module")
def database_url(databases) -> str:
    return databases.create_with("bulk_json", metadata)


@pytest_asyncio.fixture(loop_scope="session")
async def db(database_url):
    database = Database(database_url)
    async with database.engine.begin() as conn:
        await conn.execute(text("TRUNCATE things"))
    yield database
    await database.dispose()


def thing(name: str, **over: object) -> dict[str, object]:
    return {
        "id": uuid.uuid4(),
        "name": name,
        "count": 3,
        "price": Decimal("25.10"),
        "at": datetime(2026, 12, 2, 1, 2, 3, 456789, tzinfo=UTC),
        "doc": {"text": 'He said "hi"\\\n\tand left — ✓ 日本', "n": [1, None, True]},
    } | over


async def stored(db: Database) -> dict[uuid.UUID, dict[str, object]]:
    async with db.sessions() as session:
        rows = (await session.execute(select(things))).all()
    return {row.id: dict(row._mapping) for row in rows}


async def test_every_column_type_round_trips_through_one_json_text(db):
    rows = [thing("a"), thing("b \"quoted\" 'too'\n", count=None, price=None, at=None, doc=None)]
    async with db.sessions() as session, session.begin():
        await session.execute(insert_from_json(things, COLUMNS), {"rows": rows_json(rows, COLUMNS)})
    assert await stored(db) == {row["id"]: row for row in rows}


async def test_an_update_from_json_changes_only_the_named_columns_of_the_named_rows(db):
    first, second, untouched = thing("first"), thing("second"), thing("untouched")
    async with db.sessions() as session, session.begin():
        statement = insert_from_json(things, COLUMNS)
        await session.execute(statement, {"rows": rows_json([first, second, untouched], COLUMNS)})
    later = datetime(2027, 1, 1, tzinfo=UTC)
    changes = [
        {"id": first["id"], "count": 10, "at": later},
        {"id": second["id"], "count": None, "at": None},
    ]
    async with db.sessions() as session, session.begin():
        await session.execute(
            update_from_json(things, "id", ("count", "at")),
            {"rows": rows_json(changes, ("id", "count", "at"))},
        )
    now = await stored(db)
    assert now[first["id"]] == first | {"count": 10, "at": later}
    assert now[second["id"]] == second | {"count": None, "at": None}
    assert now[untouched["id"]] == untouched


def test_a_value_json_cannot_carry_is_refused_with_its_type():
    with pytest.raises(TypeError, match="bytes is not a column value"):
        rows_json([{"id": b"raw"}], ("id",))
