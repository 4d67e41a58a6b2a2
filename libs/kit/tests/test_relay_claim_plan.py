"""The relay's claim stays an index walk over unpublished rows, however long the
published history: it once walked the primary key past every published row on every
pass, and under load a pass outlasted the statement timeout (the relay stalled)."""

from sqlalchemy import create_engine, text
from sqlalchemy.dialects import postgresql

from walletreports.devkit.testing.probe import CONSUMER, outbox
from walletreports.kit import migrations
from walletreports.kit.messaging.relay import _claimable


def test_the_claim_does_not_step_over_published_rows(databases):
    url = databases.create("claim_plan")
    migrations.upgrade(url, CONSUMER.migrations_dir)
    engine = create_engine(url)
    claim = str(
        _claimable(outbox, 500).compile(
            dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
        )
    )
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO outbox (event_id, subject, payload, published_at)"
                    " SELECT gen_random_uuid(), 's', '\\x00', now() FROM generate_series(1, 50000)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO outbox (event_id, subject, payload)"
                    " SELECT gen_random_uuid(), 's', '\\x00' FROM generate_series(1, 2000)"
                )
            )
            conn.execute(text("ANALYZE outbox"))
        with engine.begin() as conn:
            plan = "\n".join(row[0] for row in conn.execute(text(f"EXPLAIN (ANALYZE) {claim}")))
    finally:
        engine.dispose()
    assert "outbox_unpublished_by_id" in plan, plan
    assert "Rows Removed by Filter" not in plan, plan
