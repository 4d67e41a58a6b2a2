"""The migrations build exactly the tables the code uses, and can be undone; the database
itself holds the rules replicas could race on."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import create_engine, insert, pool, select
from sqlalchemy.exc import IntegrityError

from walletreports.devkit.testing.schema import assert_migrations_match_and_downgrade
from walletreports.dune_runner.adapters.tables import analyses, intake, query_jobs
from walletreports.dune_runner.app import SERVICE
from walletreports.kit import migrations

AT = datetime(2026, 3, 2, tzinfo=UTC)


def test_migrated_schema_matches_the_tables_and_downgrades(databases: Any) -> None:
    assert_migrations_match_and_downgrade(databases, SERVICE)


def _analysis(order_id: uuid.UUID) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "order_id": order_id,
        "user_id": uuid.uuid4(),
        "wallet_address": "0x" + "ab" * 20,
        "product": "wallet_report",
        "status": "waiting",
        "runs": 0,
        "created_at": AT,
        "updated_at": AT,
    }


def _job(analysis_id: uuid.UUID, name: str) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "analysis_id": analysis_id,
        "order_id": uuid.uuid4(),
        "query_name": name,
        "query_id": 1,
        "parameters": {},
        "output_file": f"{name}.csv",
        "position": 0,
        "created_at": AT,
        "status": "waiting",
        "attempt": 0,
        "retry_count": 0,
        "polls": 0,
        "partial": False,
        "updated_at": AT,
    }


def test_one_run_per_order_one_job_per_report_and_the_intake_row(databases: Any) -> None:
    url = databases.create("dune_runner_rules")
    migrations.upgrade(url, SERVICE.migrations_dir)
    engine = create_engine(url, poolclass=pool.NullPool)
    order_id = uuid.uuid4()
    run = _analysis(order_id)
    try:
        with engine.begin() as conn:
            assert conn.execute(select(intake.c.id, intake.c.paused)).all() == [(1, False)]
            conn.execute(insert(analyses).values(**run))
            conn.execute(insert(query_jobs).values(**_job(run["id"], "transfers")))
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(insert(analyses).values(**_analysis(order_id)))
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(insert(query_jobs).values(**_job(run["id"], "transfers")))
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(insert(intake).values(id=2, paused=False, reason="", changed_by="x"))
    finally:
        engine.dispose()
