"""The migrations build exactly the tables the code uses, and can be undone; the
database itself refuses a second notification for one key."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, insert, pool
from sqlalchemy.exc import IntegrityError

from walletreports.devkit.testing.schema import assert_migrations_match_and_downgrade
from walletreports.kit import migrations
from walletreports.notifier.adapters.tables import notifications
from walletreports.notifier.app import SERVICE

AT = datetime(2026, 2, 26, tzinfo=UTC)


def test_migrated_schema_matches_the_tables_and_downgrades(databases):
    assert_migrations_match_and_downgrade(databases, SERVICE)


def test_one_notification_per_key_and_only_known_statuses(databases):
    url = databases.create("notifier_keys")
    migrations.upgrade(url, SERVICE.migrations_dir)
    engine = create_engine(url, poolclass=pool.NullPool)

    def row(**over):
        return {
            "id": uuid.uuid4(),
            "key": "order:1|payment_received|email|user:2",
            "fact": "order:1",
            "template": "payment_received",
            "channel": "email",
            "audience": "user:2",
            "status": "pending",
            "created_at": AT,
            "updated_at": AT,
        } | over

    try:
        with engine.begin() as conn:
            conn.execute(insert(notifications).values(row()))
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(insert(notifications).values(row()))
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(insert(notifications).values(row(key="other", status="lost")))
    finally:
        engine.dispose()
