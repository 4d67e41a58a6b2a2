"""The shared rate limit: N slots per window, the next one waits for the window to move,
acquirers on separate engines (replicas) never exceed N together, and a cancelled or
timed-out acquire leaves no grant (real PostgreSQL, the kit's migration)."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import MetaData, create_engine, func, pool, select, text

import walletreports.devkit.testing
from walletreports.kit import migrations
from walletreports.kit.db import Database
from walletreports.kit.rate_limit import RateLimit, RateLimitTimeout, acquire
from walletreports.kit.tables import kit_tables

PROBE_MIGRATIONS = Path(walletreports.devkit.testing.__file__).parent / "probe_migrations"

WINDOW = 1.0
MARGIN = 0.05
SLACK = 0.4  # scheduling and the database on a slow machine


AUDIT = """
CREATE TABLE granted (name text NOT NULL, granted_at timestamptz NOT NULL);
CREATE FUNCTION keep_grant() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO granted VALUES (NEW.name, NEW.granted_at);
    RETURN NEW;
END $$;
CREATE TRIGGER keep_grant AFTER INSERT ON rate_limit_grants
    FOR EACH ROW EXECUTE FUNCTION keep_grant();
"""


@pytest.fixture(scope="module")
def database_url(databases) -> str:
    url = databases.create("rate_limit")
    migrations.upgrade(url, PROBE_MIGRATIONS)  # the kit's revisions, kit_0005 included
    # Every grant ever made, kept here (acquire prunes the table itself).
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.begin() as conn:
        conn.execute(text(AUDIT))
    engine.dispose()
    return url


@pytest_asyncio.fixture(loop_scope="session")
async def db(database_url):
    database = Database(database_url)
    yield database
    await database.dispose()


def a_name() -> str:
    return f"test.{uuid.uuid4().hex[:8]}"


async def grants(db: Database, name: str) -> list[float]:
    """The name's grant times (all of them, pruned or not), seconds after the first."""
    async with db.engine.connect() as conn:
        rows = (
            await conn.execute(
                text("SELECT granted_at FROM granted WHERE name = :n ORDER BY 1"),
                {"n": name},
            )
        ).all()
    if not rows:
        return []
    first = rows[0].granted_at
    return [(row.granted_at - first) / timedelta(seconds=1) for row in rows]


def most_in_any_window(times: list[float], window: float) -> int:
    return max(sum(1 for t in times if start <= t < start + window) for start in times)


async def test_n_slots_come_at_once_and_the_next_waits_until_the_window_moves(db):
    name = a_name()
    started = time.monotonic()
    for _ in range(3):
        assert await acquire(db.engine, name, per_minute=3, window_seconds=WINDOW) < SLACK
    first_three = time.monotonic() - started
    assert first_three < SLACK
    assert len(await grants(db, name)) == 3
    async with db.engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM rate_limit_grants")) >= 3

    waited = await acquire(
        db.engine, name, per_minute=3, window_seconds=WINDOW, margin_seconds=MARGIN
    )
    assert WINDOW + MARGIN - first_three - 0.05 <= waited <= WINDOW + MARGIN + SLACK
    times = await grants(db, name)
    assert len(times) == 4
    assert times[3] - times[0] >= WINDOW + MARGIN


async def test_two_replicas_together_never_exceed_the_limit_in_any_window(database_url):
    name = a_name()
    replicas = [Database(database_url), Database(database_url)]
    limits = [
        RateLimit(r.engine, name, per_minute=4, window_seconds=WINDOW, margin_seconds=MARGIN)
        for r in replicas
    ]
    try:
        started = time.monotonic()
        # 12 slots, 4 per window: about two windows of waiting, six callers on each side.
        await asyncio.gather(*(limits[i % 2].acquire() for i in range(12)))
        elapsed = time.monotonic() - started
        times = await grants(replicas[0], name)
    finally:
        for replica in replicas:
            await replica.dispose()
    assert len(times) == 12
    assert most_in_any_window(times, WINDOW + MARGIN) == 4
    assert 2 * (WINDOW + MARGIN) <= elapsed <= 2 * (WINDOW + MARGIN) + 3 * SLACK


async def test_a_cancelled_acquire_leaves_no_grant(db):
    name = a_name()
    for _ in range(2):
        await acquire(db.engine, name, per_minute=2, window_seconds=10)
    waiting = asyncio.create_task(acquire(db.engine, name, per_minute=2, window_seconds=10))
    await asyncio.sleep(0.2)
    assert not waiting.done()
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert len(await grants(db, name)) == 2


async def test_an_acquire_cancelled_inside_its_transaction_leaves_no_grant(db):
    name = a_name()
    # Another transaction holds the name's lock, so the acquire is stuck on it.
    async with db.engine.begin() as holder:
        await holder.execute(
            text("SELECT pg_advisory_xact_lock(727002, hashtext(:n))"), {"n": name}
        )
        stuck = asyncio.create_task(acquire(db.engine, name, per_minute=5))
        await asyncio.sleep(0.3)
        assert not stuck.done()
        stuck.cancel()
        with pytest.raises(asyncio.CancelledError):
            await stuck
    assert await grants(db, name) == []
    assert await acquire(db.engine, name, per_minute=5) < SLACK  # the lock was let go


async def test_no_slot_within_max_wait_raises_and_grants_nothing(db):
    name = a_name()
    await acquire(db.engine, name, per_minute=1, window_seconds=10)
    started = time.monotonic()
    with pytest.raises(RateLimitTimeout):
        await acquire(db.engine, name, per_minute=1, window_seconds=10, max_wait_seconds=1)
    assert time.monotonic() - started < SLACK  # it knew at once the wait would be ~10 s
    assert len(await grants(db, name)) == 1


async def test_old_grants_are_pruned_and_other_names_are_not_counted(db):
    name, other = a_name(), a_name()
    async with db.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO rate_limit_grants (name, granted_at)"
                " SELECT :n, now() - interval '2 minutes' FROM generate_series(1, 5)"
            ),
            {"n": name},
        )
    await acquire(db.engine, other, per_minute=1)
    assert await acquire(db.engine, name, per_minute=1) < SLACK  # the five are outside
    table = kit_tables(MetaData()).rate_limit_grants
    async with db.engine.connect() as conn:
        left = await conn.scalar(select(func.count()).where(table.c.name == name))
    assert left == 1


async def test_a_limit_below_one_is_refused(db):
    with pytest.raises(ValueError, match="per_minute"):
        await acquire(db.engine, "x", per_minute=0)
