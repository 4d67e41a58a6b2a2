"""The relay's claim stays a walk over unpublished rows with one index lookup per
candidate, however long the published history and however stale the statistics.

Both once went wrong under load (the relay stalled, a pass outlasting the statement
timeout): the planner served ORDER BY id from the primary key, stepping over every
published row, and with statistics from when the table was small it joined every
candidate against every unpublished row of the correlation check."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.dialects import postgresql

from walletreports.devkit.testing.probe import CONSUMER, outbox
from walletreports.kit import migrations
from walletreports.kit.messaging.relay import _claimable

CLAIM = str(
    _claimable(outbox, 500).compile(
        dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
    )
)


@pytest.fixture
def engine(databases) -> Iterator[Engine]:
    url = databases.create("claim_plan")
    migrations.upgrade(url, CONSUMER.migrations_dir)
    engine = create_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def _insert(engine: Engine, rows: int, *, published: bool, correlation_ids: int | None) -> None:
    correlation = f"'order-' || (n % {correlation_ids})" if correlation_ids else "NULL"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO outbox (event_id, subject, payload, correlation_id, published_at)"
                f" SELECT gen_random_uuid(), 's', '\\x00', {correlation},"
                f" {'now()' if published else 'NULL'} FROM generate_series(1, {rows}) AS n"
            )
        )


def _plan(engine: Engine) -> str:
    with engine.begin() as conn:
        return "\n".join(row[0] for row in conn.execute(text(f"EXPLAIN (ANALYZE) {CLAIM}")))


def test_the_claim_does_not_step_over_published_rows(engine):
    _insert(engine, 50_000, published=True, correlation_ids=None)
    _insert(engine, 2_000, published=False, correlation_ids=None)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE outbox"))
    plan = _plan(engine)
    assert "outbox_unpublished_by_id" in plan, plan
    assert "Rows Removed by Filter" not in plan, plan


def test_the_correlation_check_is_a_lookup_even_with_stale_statistics(engine):
    with engine.begin() as conn:
        conn.execute(text("ANALYZE outbox"))  # statistics of an empty table
    _insert(engine, 20_000, published=False, correlation_ids=2_000)
    plan = _plan(engine)
    assert "SubPlan" in plan, plan
    assert "Join Filter" not in plan, plan
    assert "using outbox_unpublished_chain" in plan, plan
    assert "Index Cond: ((correlation_id = outbox.correlation_id)" in plan, plan
