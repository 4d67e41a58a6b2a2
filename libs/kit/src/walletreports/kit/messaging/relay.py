"""The outbox relay: publishes committed events to JetStream, at least once.

Rows are claimed with FOR UPDATE SKIP LOCKED, so any number of replicas can relay
side by side without publishing a row twice at the same time. Each publish carries
`Nats-Msg-Id = event_id`: when a relay crashes after publishing but before marking the
row, the retry is dropped by JetStream's duplicate window (and consumers' inboxes
catch anything beyond it). Events of one correlation id are published in commit order;
different correlation ids go out concurrently.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from nats.js import JetStreamContext
from prometheus_client import Counter, Gauge
from sqlalchemy import Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from walletreports.contracts import wire_subject

log = logging.getLogger(__name__)

PUBLISHED = Counter("outbox_events_published_total", "Events the relay published", ["subject"])
PUBLISH_FAILURES = Counter("outbox_publish_failures_total", "Failed publish attempts", ["subject"])
LAST_BATCH = Gauge("outbox_last_batch_size", "Rows claimed by the relay's last pass")


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
        max_backoff_seconds: float = 5.0,
    ) -> None:
        self.sessions = sessions
        self.table = table
        self.jetstream = jetstream
        self.namespace = namespace
        self.batch_size = batch_size
        self.idle_poll_seconds = idle_poll_seconds
        self.publish_timeout_seconds = publish_timeout_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Ask for a pass now (called after a commit that recorded events)."""
        self._wake.set()

    async def run(self) -> None:
        failures = 0
        while True:
            try:
                published, failed = await self.publish_pending()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the DB may be away; keep trying
                log.exception("outbox relay pass failed")
                published, failed = 0, 1
            if failed:
                failures += 1
                await asyncio.sleep(min(0.1 * 2**failures, self.max_backoff_seconds))
                continue
            failures = 0
            if published:
                continue  # there may be more behind this batch
            try:
                await asyncio.wait_for(self._wake.wait(), self.idle_poll_seconds)
            except TimeoutError:
                pass
            self._wake.clear()

    async def publish_pending(self) -> tuple[int, int]:
        """One pass: returns (published, failed) counts."""
        js = self.jetstream()
        if js is None:
            return 0, 1
        t = self.table
        async with self.sessions() as session, session.begin():
            rows = (
                await session.execute(
                    select(t.c.id, t.c.event_id, t.c.subject, t.c.payload, t.c.correlation_id)
                    .where(t.c.published_at.is_(None))
                    .order_by(t.c.id)
                    .limit(self.batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            LAST_BATCH.set(len(rows))
            if not rows:
                return 0, 0
            chains: dict[Any, list[Any]] = defaultdict(list)
            for row in rows:
                chains[row.correlation_id or row.event_id].append(row)
            outcomes = await asyncio.gather(*(self._publish_chain(js, chain) for chain in chains.values()))
            sent = [row_id for ok, _ in outcomes for row_id in ok]
            errors = [item for _, failed in outcomes for item in failed]
            if sent:
                await session.execute(update(t).where(t.c.id.in_(sent)).values(published_at=func.now()))
            for row_id, error in errors:
                await session.execute(
                    update(t).where(t.c.id == row_id).values(attempts=t.c.attempts + 1, last_error=error[:500])
                )
        if errors:
            log.warning("outbox relay: %d published, %d failed (%s)", len(sent), len(errors), errors[0][1])
        return len(sent), len(errors)

    async def _publish_chain(self, js: JetStreamContext, chain: list[Any]) -> tuple[list[int], list[tuple[int, str]]]:
        sent: list[int] = []
        for index, row in enumerate(chain):
            try:
                await js.publish(
                    wire_subject(self.namespace, row.subject),
                    row.payload,
                    timeout=self.publish_timeout_seconds,
                    headers={"Nats-Msg-Id": str(row.event_id)},
                )
            except Exception as exc:  # noqa: BLE001 - recorded on the row, retried next pass
                PUBLISH_FAILURES.labels(row.subject).inc()
                # Later events of the same chain wait, so their order is kept.
                return sent, [(r.id, f"{type(exc).__name__}: {exc}") for r in chain[index:]]
            PUBLISHED.labels(row.subject).inc()
            sent.append(row.id)
        return sent, []
