"""The migrations build exactly the tables the code uses, and can be undone."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, func, insert, pool, select
from sqlalchemy.exc import IntegrityError

from walletreports.devkit.testing.schema import assert_migrations_match_and_downgrade
from walletreports.kit import migrations
from walletreports.orders.adapters.tables import orders, payment_issues
from walletreports.orders.app import SERVICE


def test_migrated_schema_matches_the_tables_and_downgrades(databases):
    assert_migrations_match_and_downgrade(databases, SERVICE)


def _issue(order_id: uuid.UUID, signature: str | None) -> dict:
    return {
        "order_id": order_id,
        "kind": "already_paid",
        "order_status": "payment_received",
        "currency": "USDC",
        "amount_base_units": 25_000_000,
        "signature": signature,
        "message": "payment arrived for an order already paid",
        "at": datetime(2026, 2, 26, tzinfo=UTC),
    }


def test_one_payment_issue_per_order_and_signature(databases):
    url = databases.create("orders_issue_signature")
    migrations.upgrade(url, SERVICE.migrations_dir, "orders_0001")
    engine = create_engine(url, poolclass=pool.NullPool)
    order_id, at = uuid.uuid4(), datetime(2026, 2, 26, tzinfo=UTC)
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(orders).values(
                    id=order_id,
                    user_id=uuid.uuid4(),
                    user_email="ada@example.com",
                    product="wallet_report",
                    product_kind="report",
                    status="payment_received",
                    list_price_usd=25,
                    discount_usd=0,
                    price_usd=25,
                    price_note="list price",
                    payment_required=True,
                    created_at=at,
                    payment_due_by=at,
                    updated_at=at,
                )
            )
            # What the bug left behind: the same transfer twice, and two unsigned issues.
            conn.execute(
                insert(payment_issues),
                [_issue(order_id, s) for s in ("sig-1", "sig-1", "sig-2", None, None)],
            )
        migrations.upgrade(url, SERVICE.migrations_dir)
        with engine.connect() as conn:
            kept = conn.execute(
                select(payment_issues.c.signature, func.count())
                .group_by(payment_issues.c.signature)
                .order_by(payment_issues.c.signature)
            ).all()
        assert [tuple(row) for row in kept] == [("sig-1", 1), ("sig-2", 1), (None, 2)]
        with (
            pytest.raises(IntegrityError, match="payment_issues_order_signature"),
            engine.begin() as conn,
        ):
            conn.execute(insert(payment_issues).values(**_issue(order_id, "sig-2")))
    finally:
        engine.dispose()
