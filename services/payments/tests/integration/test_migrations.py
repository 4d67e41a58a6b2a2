"""The migrations build exactly the tables the code uses, and can be undone; the
database itself refuses a signature paying two invoices."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, insert, pool
from sqlalchemy.exc import IntegrityError

from walletreports.devkit.testing.schema import assert_migrations_match_and_downgrade
from walletreports.kit import migrations
from walletreports.payments.adapters.tables import invoices, transfers
from walletreports.payments.app import SERVICE
from walletreports.payments.service_layer.invoicing import new_reference

AT = datetime(2026, 2, 26, tzinfo=UTC)


def test_migrated_schema_matches_the_tables_and_downgrades(databases):
    assert_migrations_match_and_downgrade(databases, SERVICE)


def _invoice() -> dict:
    return {
        "id": uuid.uuid4(),
        "order_id": uuid.uuid4(),
        "reference": new_reference(),
        "price_usd": Decimal("25.00"),
        "tolerance_percent": Decimal(0),
        "status": "processing",
        "created_at": AT,
        "expires_at": AT + timedelta(minutes=15),
        "monitoring_until": AT + timedelta(hours=24),
        "updated_at": AT,
    }


def _transfer(invoice_id: uuid.UUID, signature: str) -> dict:
    return {
        "signature": signature,
        "invoice_id": invoice_id,
        "currency": "USDC",
        "amount_base_units": 25_000_000,
        "slot": 1,
        "commitment": "confirmed",
        "first_seen_at": AT,
        "arrival": "timely",
    }


def test_a_signature_pays_at_most_one_invoice(databases):
    url = databases.create("payments_one_signature")
    migrations.upgrade(url, SERVICE.migrations_dir)
    engine = create_engine(url, poolclass=pool.NullPool)
    first, second = _invoice(), _invoice()
    try:
        with engine.begin() as conn:
            conn.execute(insert(invoices), [first, second])
            conn.execute(insert(transfers).values(**_transfer(first["id"], "5" * 88)))
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(insert(transfers).values(**_transfer(second["id"], "5" * 88)))
        with pytest.raises(IntegrityError), engine.begin() as conn:  # one invoice per order
            conn.execute(insert(invoices).values(**(_invoice() | {"order_id": first["order_id"]})))
    finally:
        engine.dispose()
