"""A rate limit shared by every replica of a service, kept in the service's own PostgreSQL
(every replica talks to it already: no new infrastructure).

    limit = RateLimit(platform.database.engine, "dune.execute", per_minute=15)
    await limit.acquire()          # returns once this replica may make one call

    await acquire(engine, "dune.execute", per_minute=15)   # the same, as a function

A sliding window: a slot is a row in `rate_limit_grants(name, granted_at)` (a kit table,
in every service's metadata through `kit_tables`, created by `kit_0005_rate_limit`).
`acquire` takes a transaction-level advisory lock on the name (so acquirers of one name,
on any replica, take turns; the lock ends with the transaction, whatever happens to the
connection), counts the name's grants in the last window and:

- below the limit: inserts a grant and commits, then returns;
- at the limit: commits nothing and sleeps until the oldest grant leaves the window,
  then tries again.

So no window of that length ever holds more than `per_minute` grants. All times are the
database's clock (`clock_timestamp()`, read after the lock is taken, not the
transaction's start, which may be long before the lock was free), so replicas with
skewed clocks agree. The window counted is the window plus `margin_seconds`: the call a
grant allows reaches the other side a little after the grant (a thread, the network),
and not always equally late, so grants a window apart could arrive closer than that.
Grants older than the window are deleted as the name's acquirers go.

Cancelled while waiting (or while the transaction is open), `acquire` leaves no grant;
a grant is only ever committed together with the decision that it fits. A grant is a
slot used whether or not the call then happens (conservative: a failed call after its
grant still counts, as it may have reached the other side).

`max_wait_seconds`: `RateLimitTimeout` instead of waiting longer than that (None: wait
as long as it takes). The lock is held for two short statements per try; a waiter does
not hold a connection while it sleeps.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from prometheus_client import Counter, Histogram
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    MetaData,
    Table,
    Text,
    text,
)
from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = [
    "MARGIN_SECONDS",
    "WINDOW_SECONDS",
    "RateLimit",
    "RateLimitTimeout",
    "acquire",
    "rate_limit_grants_table",
]

WINDOW_SECONDS = 60.0
# Counted on top of the window: how unevenly late a granted call may reach the other side.
MARGIN_SECONDS = 0.5
# The advisory lock's first key (the two-key space does not overlap the one-key space the
# migrations' lock uses); the second is hashtext(name).
_LOCK_CLASS = 727_002
# Never sleep less than this between tries (the clock's resolution, a busy database).
_MIN_SLEEP = 0.005

GRANTS = Counter("rate_limit_grants_total", "Slots granted by a shared rate limit", ["name"])
WAITED = Histogram(
    "rate_limit_wait_seconds",
    "How long an acquire waited for a slot of a shared rate limit",
    ["name"],
    buckets=(0.01, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)

TABLE = "rate_limit_grants"


class RateLimitTimeout(Exception):
    """No slot within the acquire's max_wait_seconds (nothing was granted)."""


def rate_limit_grants_table(metadata: MetaData) -> Table:
    return Table(
        TABLE,
        metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        # Which limit (one per kind of call, e.g. "dune.execute").
        Column("name", Text, nullable=False),
        # The database's clock when the slot was granted.
        Column("granted_at", DateTime(timezone=True), nullable=False),
        Index("rate_limit_grants_by_name", "name", "granted_at"),
    )


# One statement each, in the locked transaction. Intervals as seconds (float) so that
# tests can use windows of a fraction of a second.
_LOCK = text("SELECT pg_advisory_xact_lock(:lock_class, hashtext(:name))")
_PRUNE = text(
    f"DELETE FROM {TABLE} WHERE name = :name"
    " AND granted_at <= clock_timestamp() - make_interval(secs => :span)"
)
_WINDOW = text(
    "SELECT count(*) AS used, min(granted_at) AS oldest, clock_timestamp() AS now"
    f" FROM {TABLE} WHERE name = :name"
    " AND granted_at > clock_timestamp() - make_interval(secs => :span)"
)
_GRANT = text(f"INSERT INTO {TABLE} (name, granted_at) VALUES (:name, clock_timestamp())")


async def acquire(
    engine: AsyncEngine,
    name: str,
    *,
    per_minute: int,
    window_seconds: float = WINDOW_SECONDS,
    margin_seconds: float = MARGIN_SECONDS,
    max_wait_seconds: float | None = None,
) -> float:
    """Wait for a slot of `name` (at most `per_minute` per `window_seconds`, counted over
    every replica), take it, and return the seconds waited. RateLimitTimeout when no slot
    came within `max_wait_seconds`."""
    if per_minute < 1:
        raise ValueError(f"per_minute must be at least 1, got {per_minute}")
    if window_seconds <= 0 or margin_seconds < 0:
        raise ValueError("window_seconds must be positive and margin_seconds not negative")
    span = window_seconds + margin_seconds
    params = {"name": name, "span": span, "lock_class": _LOCK_CLASS}
    started = time.monotonic()
    while True:
        async with engine.begin() as conn:
            await conn.execute(_LOCK, params)
            await conn.execute(_PRUNE, params)
            window = (await conn.execute(_WINDOW, params)).one()
            if window.used < per_minute:
                await conn.execute(_GRANT, params)
                wait = None
            else:
                # The oldest grant leaves the counted window span seconds after it was made.
                wait = (window.oldest - window.now).total_seconds() + span
        if wait is None:
            waited = time.monotonic() - started
            GRANTS.labels(name).inc()
            WAITED.labels(name).observe(waited)
            return waited
        wait = max(wait, _MIN_SLEEP)
        if max_wait_seconds is not None:
            left = max_wait_seconds - (time.monotonic() - started)
            if wait > left:
                raise RateLimitTimeout(
                    f"rate limit {name!r}: no slot within {max_wait_seconds:g}s "
                    f"({per_minute} per {window_seconds:g}s, all taken)"
                )
        await asyncio.sleep(wait)


@dataclass(frozen=True)
class RateLimit:
    """One named limit, to hand to whatever makes the calls (a performer, say)."""

    engine: AsyncEngine
    name: str
    per_minute: int
    window_seconds: float = WINDOW_SECONDS
    margin_seconds: float = MARGIN_SECONDS
    max_wait_seconds: float | None = None

    async def acquire(self) -> float:
        return await acquire(
            self.engine,
            self.name,
            per_minute=self.per_minute,
            window_seconds=self.window_seconds,
            margin_seconds=self.margin_seconds,
            max_wait_seconds=self.max_wait_seconds,
        )
