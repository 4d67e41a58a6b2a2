"""The side_effects table, added to each service's own metadata (like the outbox).

One row per intent: what to do (kind, key, payload), and how far it got (status,
attempts, timestamps, last error, result). The row is the only memory of whether the
I/O may have happened, so it is never deleted while the same (kind, key) could still be
requested (a request after the row is gone would be a new intent, performed again).

The kit's Alembic revision `kit_0002_side_effects` creates it, written out as it was at
that revision; a change here needs a later revision.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

# Waiting for a runner (also after an attempt that certainly did not happen).
PENDING = "pending"
# Claimed and committed by a runner: the I/O is about to happen, is happening, or
# happened and is not marked yet. Only a runner's outcome or the stale sweep ends it.
RUNNING = "running"
DONE = "done"
# Did not happen and will not be tried again by itself (refused, or out of attempts).
FAILED = "failed"
# May or may not have happened; never performed again by itself: staff decide.
IN_DOUBT = "in_doubt"

STATUSES = (PENDING, RUNNING, DONE, FAILED, IN_DOUBT)
# The visible failure states: a metric, an error log, and staff's list.
UNRESOLVED = (FAILED, IN_DOUBT)


def side_effects_table(metadata: MetaData) -> Table:
    return Table(
        "side_effects",
        metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        # What kind of I/O (the runner's performer for it) and which one: requesting a
        # (kind, key) that exists is the same intent, not a second one.
        Column("kind", Text, nullable=False),
        Column("key", Text, nullable=False),
        Column("payload", JSONB, nullable=False),
        Column("correlation_id", Text),
        Column("status", Text, nullable=False, server_default=text("'pending'")),
        # Attempts claimed since the row was requested (or since staff last retried it).
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        Column(
            "next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()
        ),
        Column("last_error", Text),
        Column("result", JSONB(none_as_null=True)),
        # Which claim the row is running under: an outcome is written only by the runner
        # that holds it, so one that comes back late cannot overwrite a newer attempt.
        Column("claim", Uuid),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("started_at", DateTime(timezone=True)),
        Column("finished_at", DateTime(timezone=True)),
        UniqueConstraint("kind", "key", name="side_effects_kind_key"),
        CheckConstraint(
            f"status IN ({', '.join(repr(s) for s in STATUSES)})", name="side_effects_status"
        ),
        # What runners claim: due pending rows.
        Index(
            "side_effects_due", "next_attempt_at", "id", postgresql_where=text("status = 'pending'")
        ),
        # What the stale sweep looks at: rows whose runner may have died.
        Index(
            "side_effects_running",
            "kind",
            "started_at",
            postgresql_where=text("status = 'running'"),
        ),
        # What staff look at, and the unresolved gauge counts.
        Index(
            "side_effects_unresolved",
            "kind",
            "status",
            postgresql_where=text("status IN ('failed', 'in_doubt')"),
        ),
    )
