"""The outbox relay: publishes committed events to JetStream, at least once.

- Any number of replicas can relay side by side: rows are claimed with FOR UPDATE
  SKIP LOCKED, so no row is published by two relays at the same time.
- Each publish carries `Nats-Msg-Id = event_id`: when a relay crashes after publishing
  but before marking the row, the retry is dropped by JetStream's duplicate window
  (and consumers' inboxes catch anything beyond it).
- Events of one correlation id leave in commit order, across replicas too: a row is
  claimed only when no earlier row of its correlation id is still unpublished, so a
  replica never overtakes another one that holds (or failed) the earlier event.
- A row that fails waits with exponential back-off (next_attempt_at) while the rows
  behind it, of other correlation ids, keep flowing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from nats.js import JetStreamContext
from prometheus_client import Counter, Gauge
from sqlalchemy import BigInteger, Table, any_, bindparam, func, literal_column, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from walletreports.contracts import wire_subject

log = logging.getLogger(__name__)

PUBLISHED = Counter("outbox_events_published_total", "Events the relay published", ["subject"])
PUBLISH_FAILURES = Counter("outbox_publish_failures_total", "Failed publish attempts", ["subject"])
LAST_BATCH = Gauge("outbox_last_batch_size", "Rows claimed by the relay's last pass")

MAX_ROW_BACKOFF = timedelta(minutes=1)
MAX_PENDING_PUBLISHES = 4000  # nats-py's default publish_async_max_pending


def row_backoff(attempts: int) -> timedelta:
    """How long a row waits after its `attempts`-th failure: 1 s, 2 s, 4 s … 1 min."""
    return min(timedelta(seconds=2 ** max(attempts - 1, 0)), MAX_ROW_BACKOFF)


class OutboxRelay:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        table: Table,
        jetstream: Callable[[], JetStreamContext | None],
        namespace: str,
        *,
        batch_size: int = 500,
        idle_poll_seconds: float = 0.5,
        publish_timeout_seconds: float = 3.0,
    ) -> None:
        if batch_size >= MAX_PENDING_PUBLISHES:
            raise ValueError(
                f"batch_size must be below {MAX_PENDING_PUBLISHES} (nats-py's async publish window)"
            )
        self.sessions = sessions
        self.table = table
        self.jetstream = jetstream
        self.namespace = namespace
        self.batch_size = batch_size
        self.idle_poll_seconds = idle_poll_seconds
        self.publish_timeout_seconds = publish_timeout_seconds
        self._wake = asyncio.Event()
        # Built once: a pass runs many times a second under load, and building these
        # (aliases, subqueries, an IN list per pass) cost more than running them.
        self._claim = _claimable(table, batch_size)
        self._mark_published = (
            update(table)
            .where(table.c.id == any_(bindparam("ids", type_=ARRAY(BigInteger))))
            .values(published_at=func.now())
        )

    def wake(self) -> None:
        """Ask for a pass now (called after a commit that recorded events)."""
        self._wake.set()

    async def run(self) -> None:
        while True:
            try:
                published, failed = await self.publish_pending()
            except asyncio.CancelledError:
                raise
            except Exception:  # the DB may be away; keep trying
                log.exception("outbox relay pass failed")
                published = failed = 0
            if published + failed >= self.batch_size:
                continue  # it claimed a full batch: there is more behind it
            # Wait for a commit or the poll interval, whichever comes first (commits
            # made during the pass have set the wake already).
            try:
                await asyncio.wait_for(self._wake.wait(), self.idle_poll_seconds)
            except TimeoutError:
                pass
            self._wake.clear()

    async def publish_pending(self) -> tuple[int, int]:
        """One pass: returns (published, failed) counts."""
        js = self.jetstream()
        if js is None:
            return 0, 0
        t = self.table
        async with self.sessions() as session, session.begin():
            rows = (await session.execute(self._claim)).all()
            LAST_BATCH.set(len(rows))
            if not rows:
                return 0, 0
            outcomes = await self._publish_all(js, rows)
            sent = [row.id for row, error in zip(rows, outcomes, strict=True) if error is None]
            failed = [
                (row, error) for row, error in zip(rows, outcomes, strict=True) if error is not None
            ]
            if sent:
                await session.execute(self._mark_published, {"ids": sent})
            for row, error in failed:
                await session.execute(
                    update(t)
                    .where(t.c.id == row.id)
                    .values(
                        attempts=t.c.attempts + 1,
                        last_error=error[:500],
                        next_attempt_at=func.now() + row_backoff(row.attempts + 1),
                    )
                )
        if failed:
            row, error = failed[0]
            log.warning(
                "outbox relay: %d published, %d failed (first: %s %s: %s)",
                len(sent),
                len(failed),
                row.subject,
                row.event_id,
                error,
            )
        return len(sent), len(failed)

    async def _publish_all(self, js: JetStreamContext, rows: Sequence[Any]) -> list[str | None]:
        """Publish the rows in order without waiting for each ack; then collect every
        ack (within the publish timeout). Per row: None if stored, else the error text."""
        sent: list[asyncio.Future[Any] | str] = []
        for row in rows:
            try:
                sent.append(
                    await js.publish_async(
                        wire_subject(self.namespace, row.subject),
                        row.payload,
                        # No stall wait (it costs a task per publish): only relay passes
                        # publish async on this context, each ends with all its publishes
                        # settled, and batch_size < MAX_PENDING_PUBLISHES, so nats-py's
                        # window has room.
                        wait_stall=None,
                        headers={"Nats-Msg-Id": str(row.event_id)},
                    )
                )
            except Exception as exc:  # noqa: BLE001 - recorded on the row, retried when due
                sent.append(f"{type(exc).__name__}: {exc}")
        waiting = [ack for ack in sent if not isinstance(ack, str)]
        if waiting:
            await asyncio.wait(waiting, timeout=self.publish_timeout_seconds)
        outcomes: list[str | None] = []
        for row, ack in zip(rows, sent, strict=True):
            error = _ack_error(ack)
            if error is None:
                PUBLISHED.labels(row.subject).inc()
            else:
                PUBLISH_FAILURES.labels(row.subject).inc()
            outcomes.append(error)
        return outcomes


def _ack_error(ack: asyncio.Future[Any] | str) -> str | None:
    """The error text of one publish, or None when JetStream stored it."""
    if isinstance(ack, str):
        return ack
    if not ack.done():
        ack.cancel()  # frees its slot among nats-py's pending async publishes
        return "TimeoutError: no ack from JetStream in time"
    if ack.cancelled():
        return "CancelledError: the publish was cancelled"
    exc = ack.exception()
    return None if exc is None else f"{type(exc).__name__}: {exc}"


def _claimable(t: Table, limit: int) -> Any:
    """The next rows to publish, oldest first, that no other relay holds and whose
    correlation id has no earlier row still unpublished.

    "No earlier row unpublished" is asked as "this row is the first unpublished one of
    its correlation id", a correlated scalar subquery: PostgreSQL runs it per candidate
    as a lookup in outbox_unpublished_chain, whatever its statistics say. Written as
    NOT EXISTS it became an anti join, and with statistics from when the table was
    small the planner joined every candidate against every unpublished row (a pass took
    seconds at a few thousand rows behind). Rows without a correlation id wait for none.
    The LIMIT is written into the statement, so the plan the connection keeps for it is
    planned for this limit, not for an unknown one."""
    earlier = aliased(t)
    first_unpublished = (
        select(func.min(earlier.c.id))
        .where(earlier.c.correlation_id == t.c.correlation_id, earlier.c.published_at.is_(None))
        .scalar_subquery()
    )
    return (
        select(t.c.id, t.c.event_id, t.c.subject, t.c.payload, t.c.correlation_id, t.c.attempts)
        .where(
            t.c.published_at.is_(None),
            t.c.next_attempt_at <= func.now(),
            or_(t.c.correlation_id.is_(None), first_unpublished == t.c.id),
        )
        .order_by(t.c.id)
        .limit(literal_column(str(int(limit))))
        .with_for_update(skip_locked=True)
    )
