"""The migrations build exactly the tables the code uses, and can be undone."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, pool
from walletreports.kit import migrations
from walletreports.orders.adapters.tables import metadata
from walletreports.orders.app import SPEC


def test_migrated_schema_matches_the_tables_and_downgrades(databases):
    url = databases.create("orders_schema")
    migrations.upgrade(url, SPEC.migrations_dir)
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
        migrations.downgrade(url, SPEC.migrations_dir, "messaging_0001")
        with engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) == {"outbox", "inbox", "alembic_version"}
    finally:
        engine.dispose()
