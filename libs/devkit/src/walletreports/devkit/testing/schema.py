"""One check every service's migrations get: applied to a fresh database they give
exactly the service's tables, and they go back down to the kit's first revision."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, pool

from walletreports.kit import migrations
from walletreports.kit.service import Service

from .databases import DatabaseFactory

FIRST_TABLES = {"outbox", "inbox", "alembic_version"}


def assert_migrations_match_and_downgrade(
    databases: DatabaseFactory, service: Service[Any]
) -> None:
    url = databases.create(f"{service.name}_schema")
    migrations.upgrade(url, service.migrations_dir)
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, service.metadata) == []
        migrations.downgrade(url, service.migrations_dir, "messaging_0001")
        with engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) == FIRST_TABLES
    finally:
        engine.dispose()
