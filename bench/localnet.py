"""Localnet benchmark: sendTransaction throughput over HTTP and getSignaturesForAddress
latency with 100,000 indexed transactions, each beside an in-process reference measured in
the same run. Prints exactly one JSON line.

    uv run python bench/localnet.py [--transactions 100000] [--concurrency 32]

The server runs as its own process (`python -m walletreports.localnet`), as in dev; this
process is the client. Every transaction is a real signed SOL transfer executed by LiteSVM.
Targets: >= 500 tx/s sustained, <= 5 ms p99 lookup.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

from solders.hash import Hash
from solders.keypair import Keypair
from solders.litesvm import LiteSVM
from solders.message import Message
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer

from walletreports.localnet.chain import Chain
from walletreports.localnet.genesis import GenesisConfig, test_wallets
from walletreports.localnet.rpc.dispatcher import handle_payload


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TransferFactory:
    """Signed SOL transfers, fast: one compiled message template with the lamports patched
    in (each amount distinct, so each signature is), signed with ed25519 directly."""

    def __init__(self, payer: Keypair, to: Pubkey, blockhash: Hash) -> None:
        self.payer = payer
        ix = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=to, lamports=1))
        self.template = bytes(Message.new_with_blockhash([ix], payer.pubkey(), blockhash))
        assert self.template[-8:] == (1).to_bytes(8, "little")

    def wire(self, lamports: int) -> bytes:
        message = self.template[:-8] + lamports.to_bytes(8, "little")
        return b"\x01" + bytes(self.payer.sign_message(message)) + message


class RpcConnection:
    """A minimal keep-alive HTTP/1.1 JSON-RPC client, so the client side is not the
    bottleneck on a small machine."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port

    async def open(self) -> RpcConnection:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def call(self, method: str, params: list) -> dict:
        return json.loads(await self.call_raw(method, params))

    async def call_raw(self, method: str, params: list) -> bytes:
        """The response body as it arrived, not yet decoded."""
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
        self.writer.write(
            b"POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (self.host.encode(), len(body), body)
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def reference_rates(count: int) -> dict:
    """In-process: LiteSVM alone, then the localnet's Chain (execution capture + index)."""
    config = GenesisConfig()
    payer = test_wallets(config)[0]
    to = Keypair().pubkey()
    chain = Chain(config)
    from solders.transaction import VersionedTransaction

    blockhash, _ = chain.latest_blockhash("processed")
    factory = TransferFactory(payer, to, blockhash)
    txs = [VersionedTransaction.from_bytes(factory.wire(1_000_000 + i)) for i in range(count)]
    raw = LiteSVM().with_blockhash_check(False).with_transaction_history(0)
    raw.airdrop(payer.pubkey(), 10**15)
    start = time.perf_counter()
    for tx in txs:
        raw.send_transaction(tx)
    litesvm_rate = count / (time.perf_counter() - start)
    start = time.perf_counter()
    for tx in txs:
        chain.send(tx)
    chain_rate = count / (time.perf_counter() - start)
    return {"litesvm_in_process_tx_per_s": round(litesvm_rate),
            "chain_in_process_tx_per_s": round(chain_rate), "chain": chain, "to": to}


async def send_all(port: int, wires: list[bytes], concurrency: int) -> float:
    connections = [await RpcConnection("127.0.0.1", port).open() for _ in range(concurrency)]
    encoded = [base64.b64encode(w).decode() for w in wires]
    cursor = iter(range(len(encoded)))
    errors: list[dict] = []

    async def worker(conn: RpcConnection) -> None:
        for i in cursor:
            reply = await conn.call("sendTransaction", [encoded[i], {"encoding": "base64"}])
            if "error" in reply:
                errors.append(reply["error"])

    start = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in connections))
    elapsed = time.perf_counter() - start
    for c in connections:
        c.close()
    if errors:
        raise RuntimeError(f"{len(errors)} sends failed, first: {errors[0]}")
    return elapsed


async def lookup_latencies(port: int, address: str, configs: list[dict], rounds: int) -> dict:
    conn = await RpcConnection("127.0.0.1", port).open()
    results = {}
    for name, config in configs:
        # Lookup latency is request sent → whole response received (what the server
        # and the wire cost); decoding the JSON is the client's own work, shown apart.
        samples, decoded = [], []
        for _ in range(rounds):
            start = time.perf_counter()
            raw = await conn.call_raw("getSignaturesForAddress", [address, config])
            samples.append((time.perf_counter() - start) * 1000)
            reply = json.loads(raw)
            decoded.append((time.perf_counter() - start) * 1000)
            assert "result" in reply, reply
        results[name] = {"p50_ms": round(statistics.median(samples), 3),
                         "p99_ms": round(percentile(samples, 99), 3),
                         "p99_ms_with_client_json_decode": round(percentile(decoded, 99), 3),
                         "returned": len(reply["result"])}
    conn.close()
    return results


BANNER = "localnet listening:"


class ServerStartError(RuntimeError):
    pass


def start_server(argv: list[str], timeout: float = 60.0) -> subprocess.Popen:
    """Start the localnet and wait for its banner line. Its output goes to temporary files,
    not pipes: nobody reads a pipe during the run, and a server that logs enough to fill
    one would block mid-benchmark. If it exits or prints something else first, raise with
    what it wrote to stderr."""
    stdout = tempfile.TemporaryFile("w+")
    stderr = tempfile.TemporaryFile("w+")
    server = subprocess.Popen([sys.executable, "-m", "walletreports.localnet", *argv],
                              stdout=stdout, stderr=stderr, text=True)
    server.output_files = (stdout, stderr)  # closed by stop_server
    deadline = time.monotonic() + timeout
    while True:
        stdout.seek(0)
        first = stdout.readline()
        if first.endswith("\n") and first.startswith(BANNER):
            return server
        failed = ((first.endswith("\n") and "not the banner")
                  or (server.poll() is not None and f"exited with {server.returncode}")
                  or (time.monotonic() > deadline and f"no banner within {timeout:.0f}s"))
        if failed:
            stderr.seek(0)
            message = (f"localnet did not start ({failed}); stdout: {first!r}; "
                       f"stderr:\n{stderr.read()}")
            stop_server(server)
            raise ServerStartError(message)
        time.sleep(0.05)


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    for file in getattr(server, "output_files", ()):
        file.close()


async def bench(args) -> dict:
    rpc_port, ws_port = free_port(), free_port()
    server = start_server(["--rpc-port", str(rpc_port), "--ws-port", str(ws_port),
                           "--slot-ms", "400"])
    try:
        payer = test_wallets(GenesisConfig())[0]
        merchant = Keypair().pubkey()
        sent, batches, sending = 0, [], 0.0
        # Batches of 10k, each signed with a fresh blockhash so none expires (150 slots).
        while sent < args.transactions:
            size = min(10_000, args.transactions - sent)
            conn = await RpcConnection("127.0.0.1", rpc_port).open()
            blockhash = Hash.from_string(
                (await conn.call("getLatestBlockhash", [{"commitment": "confirmed"}]))
                ["result"]["value"]["blockhash"])
            conn.close()
            factory = TransferFactory(payer, merchant, blockhash)
            wires = [factory.wire(1_000_000 + sent + i) for i in range(size)]
            elapsed = await send_all(rpc_port, wires, args.concurrency)
            batches.append(size / elapsed)
            sending += elapsed
            print(f"sent {sent + size}: {size / elapsed:.0f} tx/s", file=sys.stderr)
            sent += size
        sustained = args.transactions / sending
        await asyncio.sleep(0.9)  # two slot ticks: everything is now confirmed
        probe = await RpcConnection("127.0.0.1", rpc_port).open()
        listed = await probe.call("getSignaturesForAddress",
                                  [str(merchant), {"commitment": "confirmed", "limit": 1000}])
        probe.close()
        page = [e["signature"] for e in listed["result"]]
        # Cursors inside the newest page, wherever a short run (--transactions) ends it.
        until, before = page[min(20, len(page) - 1)], page[len(page) // 2]
        configs = [
            ("limit_1000_newest", {"commitment": "confirmed"}),
            ("limit_10_newest", {"commitment": "confirmed", "limit": 10}),
            ("until_cursor_watcher", {"commitment": "confirmed", "until": until}),
            ("before_page", {"commitment": "confirmed", "before": before, "limit": 100}),
        ]
        latencies = await lookup_latencies(rpc_port, str(merchant), configs, args.rounds)
    finally:
        stop_server(server)

    reference = reference_rates(args.reference_transactions)
    chain, to = reference.pop("chain"), reference.pop("to")
    # What the server does for limit_1000_newest (the RPC method, its pre-serialized
    # entries and the response JSON), minus HTTP.
    chain.advance_slot()  # the reference transactions are now confirmed
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "getSignaturesForAddress",
                       "params": [str(to), {"commitment": "confirmed"}]}).encode()
    handle_payload(chain, body)  # entries serialize on first use; the probe did this above
    samples = []
    for _ in range(args.rounds):
        start = time.perf_counter()
        handle_payload(chain, body)
        samples.append((time.perf_counter() - start) * 1000)
    reference["index_in_process_limit_1000_p99_ms"] = round(percentile(samples, 99), 3)
    return {
        "bench": "localnet",
        "cpus": os.cpu_count(),
        "indexed_transactions": args.transactions,
        "http_send_tx_per_s_sustained": round(sustained),
        "http_send_tx_per_s_min_batch": round(min(batches)),
        "send_concurrency": args.concurrency,
        "get_signatures_for_address": latencies,
        "reference": reference,
        "targets": {"send_tx_per_s": 500, "lookup_p99_ms": 5},
        "meets_targets": sustained >= 500
        and all(v["p99_ms"] <= 5 for v in latencies.values()),
    }


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--transactions", type=positive, default=100_000)
    parser.add_argument("--concurrency", type=positive, default=32)
    parser.add_argument("--rounds", type=positive, default=300)
    parser.add_argument("--reference-transactions", type=positive, default=10_000)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(bench(args))))


if __name__ == "__main__":
    main()
