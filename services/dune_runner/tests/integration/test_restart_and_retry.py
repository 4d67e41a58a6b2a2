"""A runner killed (SIGKILL) while it polls resumes polling the same executions after a
restart, never executing again; a staff retry is exactly one new execute per job."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nats
from sqlalchemy import create_engine, pool, select

from walletreports.contracts import wire_subject
from walletreports.devkit.testing.eventually import eventually
from walletreports.devkit.testing.service_process import ServiceProcess
from walletreports.devkit.testing.serving import ServiceHarness
from walletreports.dune_emulator.testing import RunningDuneEmulator
from walletreports.dune_runner.adapters.tables import (
    execute_log,
    job_retries,
    outbox,
    query_jobs,
    report_files,
)
from walletreports.dune_runner.app import SERVICE
from walletreports.dune_runner.service_layer import staff
from walletreports.kit.messaging.streams import delete_streams

from .conftest import REPORTS, DuneRunnerDriver, dune_env, order_paid

STAFF = "ada@example.com"


class Database:
    """The replicas' database, read from the test (synchronously: a few rows)."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url, poolclass=pool.NullPool)

    def rows(self, query: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(query).all())


async def test_a_runner_killed_while_polling_resumes_the_same_executions(
    databases: Any,
    nats_url: str,
    dune: RunningDuneEmulator,
    query_ids: dict[str, int],
    tmp_path: Path,
) -> None:
    namespace = f"tk{uuid.uuid4().hex[:10]}"
    url = ServiceHarness(databases, nats_url, namespace).database(SERVICE)
    env = {
        **dune_env(dune, query_ids, tmp_path / "reports"),
        "DUNE_RUNNER_DATABASE_URL": url,
        "NATS_URL": nats_url,
        "EVENT_NAMESPACE": namespace,
        "ENVIRONMENT": "test",
    }
    db = Database(url)
    dune.slow_next_execution(4.0, times=len(REPORTS))
    first = ServiceProcess("dune_runner", "first", env, tmp_path).start()
    second = ServiceProcess("dune_runner", "second", env, tmp_path)
    nc = await nats.connect(nats_url)
    try:
        await first.ready()
        event = order_paid()
        await nc.jetstream().publish(
            wire_subject(namespace, event.subject),
            event.model_dump_json().encode(),
            headers={"Nats-Msg-Id": str(event.event_id)},
        )

        def polling() -> list[Any] | None:
            jobs = db.rows(select(query_jobs).where(query_jobs.c.order_id == event.order_id))
            busy = [j for j in jobs if j.status == "executing" and j.polls >= 2]
            return jobs if len(busy) == len(REPORTS) else None

        jobs = await eventually(lambda: asyncio.to_thread(polling), timeout=20)
        executions = {j.query_name: j.execution_id for j in jobs}
        # Mid-poll: a job claimed, its status call under way (held by Dune), not recorded.
        dune.hang_next("status", seconds=10)
        await eventually(lambda: asyncio.to_thread(lambda: not dune.pending_faults()))
        first.kill()
        assert dune.execute_counts().received == len(REPORTS)

        second.start()
        await second.ready()

        def finished() -> list[Any]:
            return db.rows(
                select(outbox.c.payload).where(
                    outbox.c.correlation_id == str(event.order_id),
                    outbox.c.subject == "dune_runner.analysis.finished.v1",
                )
            )

        (done,) = await eventually(lambda: asyncio.to_thread(finished), timeout=30)
        assert json.loads(done.payload)["outcome"] == "completed"
        counts = dune.execute_counts()
        assert (counts.received, counts.started) == (len(REPORTS), len(REPORTS))
        files = db.rows(select(report_files).where(report_files.c.order_id == event.order_id))
        assert {f.query_name: f.execution_id for f in files} == executions
        assert (
            len(db.rows(select(execute_log).where(execute_log.c.order_id == event.order_id))) == 3
        )
    finally:
        first.kill()
        second.stop()
        db.engine.dispose()
        await delete_streams(nc.jetstream(), namespace)
        await nc.close()


async def test_a_staff_retry_of_a_failed_job_is_one_new_execute(
    runner: DuneRunnerDriver, dune: RunningDuneEmulator
) -> None:
    lp_events, transfers = runner.query_ids["lp_events"], runner.query_ids["transfers"]
    dune.fail_next_execution(query_id=lp_events)
    dune.slow_next_execution(5.0, query_id=transfers)  # keeps the analysis open meanwhile
    event = order_paid()
    await runner.publish(event)
    jobs = await runner.jobs_until(event.order_id, "failed_needs_review", count=1)
    failed = jobs["lp_events"]
    assert failed.status == "failed_needs_review"

    async with runner.units() as uow:
        retried = await staff.retry_job(
            uow, job_id=failed.id, staff_email=STAFF, reason="Dune fixed it", now=datetime.now(UTC)
        )
    assert (retried.attempt, retried.retry_count) == (2, 1)

    finished = await runner.finished(event.order_id)
    assert finished["outcome"] == "completed"
    counts = dune.execute_counts()
    assert counts.received == len(REPORTS) + 1
    assert counts.started_by_query[lp_events] == 2
    jobs = await runner.jobs(event.order_id)
    assert (jobs["lp_events"].status, jobs["lp_events"].attempt) == ("completed", 2)
    (record,) = await runner.rows(select(job_retries).where(job_retries.c.job_id == failed.id))
    assert (record.by, record.from_status, record.error_type) == (
        f"staff:{STAFF}",
        "failed_needs_review",
        "query_error",
    )
    audit = [a for a in await runner.audit(event.order_id) if a.query_name == "lp_events"]
    assert [(a.attempt, a.outcome) for a in audit] == [(1, "accepted"), (2, "accepted")]
    assert audit[0].execution_id != audit[1].execution_id


async def test_a_staff_retry_of_an_in_doubt_job_is_one_new_execute(
    runner: DuneRunnerDriver, dune: RunningDuneEmulator
) -> None:
    dune.fail_next("execute", 504, times=len(REPORTS))
    event = order_paid()
    await runner.publish(event)
    jobs = await runner.jobs_until(event.order_id, "in_doubt")
    assert dune.execute_counts().received == len(REPORTS)

    for name in REPORTS:
        async with runner.units() as uow:
            await staff.retry_job(
                uow,
                job_id=jobs[name].id,
                staff_email=STAFF,
                reason="not on Dune's execution list",
                now=datetime.now(UTC),
            )
    finished = await runner.finished(event.order_id)
    assert finished["outcome"] == "completed"
    assert dune.execute_counts().received == 2 * len(REPORTS)
    jobs = await runner.jobs(event.order_id)
    assert {(j.status, j.attempt, j.retry_count) for j in jobs.values()} == {("completed", 2, 1)}
