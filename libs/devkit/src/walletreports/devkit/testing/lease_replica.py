"""One replica for the lease tests, as its own OS process so a test can kill -9 it or
freeze it (SIGSTOP). While it holds the lease it appends a heartbeat to a shared file
every BEAT_SECONDS: `<holder> <monotonic ns> <wall ns>`, one write(2) per line
(O_APPEND), so lines of two processes never mix. CLOCK_MONOTONIC is one clock for the
whole machine on Linux, so the two replicas' beats can be put in one order.

    python -m walletreports.devkit.testing.lease_replica NATS_URL NAMESPACE LEASE HOLDER TTL FILE

It prints `ready` once connected; SIGTERM stops it cleanly (work cancelled, lease
released).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import time

import nats

from walletreports.kit.lease import Lease

BEAT_SECONDS = 0.05


async def main(
    nats_url: str, namespace: str, name: str, holder: str, ttl: float, path: str
) -> None:
    nc = await nats.connect(
        nats_url, connect_timeout=2, reconnect_time_wait=0.2, max_reconnect_attempts=-1
    )
    js = nc.jetstream()
    lease = Lease(lambda: js if nc.is_connected else None, namespace, name, holder=holder, ttl=ttl)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    async def beat() -> None:
        while True:
            # Checked right before the effect: a replica that was frozen past its
            # deadline must not beat once before its work is cancelled.
            if lease.held:
                os.write(fd, f"{holder} {time.monotonic_ns()} {time.time_ns()}\n".encode())
            await asyncio.sleep(BEAT_SECONDS)

    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    print("ready", flush=True)
    try:
        await lease.run_exclusively(beat)
    finally:
        os.close(fd)
        await nc.close()


if __name__ == "__main__":
    url, ns, lease_name, holder_id, ttl_seconds, file = sys.argv[1:7]
    logging.basicConfig(
        level=logging.INFO, format=f"%(asctime)s {holder_id} %(levelname)s %(message)s"
    )
    with contextlib.suppress(asyncio.CancelledError, KeyboardInterrupt):
        asyncio.run(main(url, ns, lease_name, holder_id, float(ttl_seconds), file))
