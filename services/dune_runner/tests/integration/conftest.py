"""The real dune_runner service on a real port, against real NATS and PostgreSQL and the
Dune emulator, talked to by the real dune-client.

One service per test module (its own database, event namespace and reports folder);
tests keep apart by using their own order ids, and each test gets the session emulator
with its faults and execute counts reset (`dune` is the `dune_emulator` fixture). The
catalog's queries are put on the emulator once per module by the sync command's own
code, so the service runs the real report SQL over the synthetic Dune tables. Events the
service consumes are published as orders' relay does: JetStream, `Nats-Msg-Id` header.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import nats
import pytest
import pytest_asyncio
from sqlalchemy import Table, select

from walletreports.contracts import Event, wire_subject
from walletreports.contracts.orders import OrderPaid
from walletreports.devkit.testing.eventually import count_rows, eventually
from walletreports.devkit.testing.serving import RunningService, ServiceHarness
from walletreports.dune_emulator.synthetic import RICH_WALLETS
from walletreports.dune_emulator.testing import RunningDuneEmulator
from walletreports.dune_runner.adapters.dune_api import DuneApi
from walletreports.dune_runner.adapters.tables import (
    analyses,
    execute_log,
    inbox,
    outbox,
    query_jobs,
    report_files,
    side_effects,
)
from walletreports.dune_runner.adapters.unit_of_work import DuneRunnerUnitOfWork
from walletreports.dune_runner.app import SERVICE
from walletreports.dune_runner.queries import load_reports
from walletreports.dune_runner.settings import format_query_ids
from walletreports.dune_runner.sync_queries import sync
from walletreports.kit import migrations
from walletreports.kit.db import Database
from walletreports.kit.messaging.outbox import Outbox
from walletreports.kit.messaging.streams import delete_streams
from walletreports.kit.messaging.unit_of_work import UnitsOfWork

WALLET = RICH_WALLETS[0]  # defi_power_user: rows in every report
REPORTS = [report.name for report in load_reports()]
# Short enough that a test does not wait for Dune's answers; the execute timeout is what
# a hung execute runs into.
TIMEOUT_SECONDS = 2.0
FAST_ENV = {
    "DUNE_API_TIMEOUT_SECONDS": str(TIMEOUT_SECONDS),
    "DUNE_RUNNER_POLL_EVERY_SECONDS": "0.1",
    "DUNE_RUNNER_POLL_FIRST_SECONDS": "0.1",
    "DUNE_RUNNER_POLL_MAX_SECONDS": "0.5",
    "DUNE_RUNNER_POLL_CLAIM_SECONDS": "2",
    "DUNE_RUNNER_RELEASE_EVERY_SECONDS": "0.5",
    # Several CSV pages per report (defi_power_user has 160, 30 and 480 rows).
    "DUNE_RUNNER_RESULT_PAGE_ROWS": "100",
    # A module's tests send far more than the default 15 executes a minute; the limiter
    # itself is the kit's (libs/kit/tests/test_rate_limit.py).
    "DUNE_RUNNER_EXECUTES_PER_MINUTE": "100000",
}


def order_paid(
    order_id: uuid.UUID | None = None,
    *,
    user_id: uuid.UUID | None = None,
    wallet: str | None = WALLET.address,
) -> OrderPaid:
    order_id = order_id or uuid.uuid4()
    return OrderPaid(
        order_id=order_id,
        user_id=user_id or uuid.uuid4(),
        product="wallet_report",
        wallet_address=wallet,
        paid_via="payment",
        correlation_id=str(order_id),
    )


def sync_catalog(dune: RunningDuneEmulator) -> dict[str, int]:
    """The catalog's queries created on the emulator (new ids), as the sync command does."""
    api = DuneApi(api_key=dune.api_key, base_url=dune.base_url)
    try:
        return sync(api, load_reports(), {})
    finally:
        api.close()


def dune_env(
    dune: RunningDuneEmulator, query_ids: dict[str, int], reports_dir: Path
) -> dict[str, str]:
    return {
        "DUNE_API_BASE_URL": dune.base_url,
        "DUNE_API_KEY": dune.api_key,
        "DUNE_RUNNER_QUERY_IDS": format_query_ids(query_ids),
        "DUNE_RUNNER_REPORTS_DIR": str(reports_dir),
        **FAST_ENV,
    }


class DuneRunnerDriver:
    """Drives a running dune_runner as orders would, and reads what it did."""

    def __init__(
        self,
        service: RunningService,
        js: Any,
        namespace: str,
        query_ids: dict[str, int],
        reports_dir: Path,
    ) -> None:
        self.service = service
        self.js = js
        self.namespace = namespace
        self.query_ids = query_ids
        self.reports_dir = reports_dir

    @property
    def units(self) -> Any:
        return self.service.runtime.units

    async def publish(self, event: Event, *, msg_id: str | None = None) -> None:
        await self.js.publish(
            wire_subject(self.namespace, event.subject),
            event.model_dump_json().encode(),
            headers={"Nats-Msg-Id": msg_id or str(event.event_id)},
        )

    async def handled(self, event: Event) -> None:
        """Until the service's inbox has the event (handled, whatever the outcome)."""
        await eventually(lambda: self.count(inbox, event_id=event.event_id))

    async def count(self, table: Table, **where: Any) -> int:
        return await count_rows(self.service, table, **where)

    async def rows(self, query: Any) -> list[Any]:
        async with self.service.runtime.db.sessions() as session:
            return list((await session.execute(query)).all())

    async def emitted(
        self, order_id: uuid.UUID, subject: str | None = None
    ) -> list[dict[str, Any]]:
        query = select(outbox.c.subject, outbox.c.payload).where(
            outbox.c.correlation_id == str(order_id)
        )
        if subject is not None:
            query = query.where(outbox.c.subject == subject)
        return [json.loads(r.payload) for r in await self.rows(query.order_by(outbox.c.id))]

    async def finished(self, order_id: uuid.UUID, timeout: float = 30.0) -> dict[str, Any]:
        """analysis.finished of the order, once it is in the outbox."""

        async def found() -> dict[str, Any] | None:
            events = await self.emitted(order_id, "dune_runner.analysis.finished.v1")
            return events[-1] if events else None

        return await eventually(found, timeout=timeout)

    async def jobs(self, order_id: uuid.UUID) -> dict[str, Any]:
        """The order's jobs by report name."""
        rows = await self.rows(
            select(query_jobs)
            .where(query_jobs.c.order_id == order_id)
            .order_by(query_jobs.c.position)
        )
        return {row.query_name: row for row in rows}

    async def jobs_until(
        self, order_id: uuid.UUID, status: str, *, count: int = len(REPORTS), timeout: float = 20.0
    ) -> dict[str, Any]:
        async def reached() -> dict[str, Any] | None:
            jobs = await self.jobs(order_id)
            return jobs if sum(j.status == status for j in jobs.values()) >= count else None

        return await eventually(reached, timeout=timeout)

    async def analysis(self, order_id: uuid.UUID) -> Any:
        (row,) = await self.rows(select(analyses).where(analyses.c.order_id == order_id))
        return row

    async def files(self, order_id: uuid.UUID) -> dict[str, Any]:
        rows = await self.rows(select(report_files).where(report_files.c.order_id == order_id))
        return {row.query_name: row for row in rows}

    async def audit(self, order_id: uuid.UUID) -> list[Any]:
        return await self.rows(
            select(execute_log).where(execute_log.c.order_id == order_id).order_by(execute_log.c.id)
        )

    async def effects(self, order_id: uuid.UUID) -> list[Any]:
        return await self.rows(
            select(side_effects)
            .where(side_effects.c.correlation_id == str(order_id))
            .order_by(side_effects.c.id)
        )

    async def rows_of_file(self, file_id: str) -> str:
        """The stored path of a report file (by its id, its job's)."""
        (row,) = await self.rows(
            select(report_files.c.path).where(report_files.c.job_id == uuid.UUID(file_id))
        )
        return str(row.path)

    def file_path(self, stored_path: str) -> Path:
        return self.reports_dir.joinpath(*stored_path.split("/")[1:])


@pytest_asyncio.fixture(loop_scope="session")
async def units(databases: Any) -> AsyncIterator[UnitsOfWork[DuneRunnerUnitOfWork]]:
    """Units of work on a fresh, migrated database of their own, with no service running."""
    url = databases.create(f"dune_runner_units_{uuid.uuid4().hex[:6]}")
    await asyncio.to_thread(migrations.upgrade, url, SERVICE.migrations_dir)
    db = Database(url)
    try:
        yield UnitsOfWork(db.sessions, Outbox(outbox), lambda: None, DuneRunnerUnitOfWork)
    finally:
        await db.dispose()


@pytest.fixture(scope="module")
def query_ids(dune_emulator_session: RunningDuneEmulator) -> dict[str, int]:
    return sync_catalog(dune_emulator_session)


@pytest.fixture(scope="module")
def service_env() -> dict[str, str]:
    """Extra environment for the module's service; a module overrides it to change one."""
    return {}


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def runner_service(
    databases: Any,
    nats_url: str,
    dune_emulator_session: RunningDuneEmulator,
    query_ids: dict[str, int],
    service_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[DuneRunnerDriver]:
    namespace = f"td{uuid.uuid4().hex[:10]}"
    reports_dir = tmp_path_factory.mktemp("reports")
    harness = ServiceHarness(databases, nats_url, namespace)
    nc = await nats.connect(nats_url)
    try:
        env = {**dune_env(dune_emulator_session, query_ids, reports_dir), **service_env}
        async with harness.run(SERVICE, **env) as service:
            yield DuneRunnerDriver(service, nc.jetstream(), namespace, query_ids, reports_dir)
    finally:
        await delete_streams(nc.jetstream(), namespace)
        await nc.close()


@pytest.fixture
def runner(runner_service: DuneRunnerDriver) -> DuneRunnerDriver:
    return runner_service


@pytest.fixture
def dune(dune_emulator: RunningDuneEmulator) -> Iterator[RunningDuneEmulator]:
    yield dune_emulator
