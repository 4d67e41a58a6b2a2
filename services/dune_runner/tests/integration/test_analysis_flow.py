"""order.paid to analysis.finished against the Dune emulator with the real dune-client:
each report executed exactly once, its CSV stored with the size and sha256 of its bytes,
and a duplicate order.paid costing nothing."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import uuid

from walletreports.contracts import wire_subject
from walletreports.devkit.testing.eventually import eventually
from walletreports.dune_emulator.synthetic import EMPTY_WALLET
from walletreports.dune_emulator.testing import RunningDuneEmulator
from walletreports.dune_runner.adapters.tables import analyses
from walletreports.dune_runner.queries import load_reports

from .conftest import REPORTS, WALLET, DuneRunnerDriver, order_paid

COLUMNS = {report.name: list(report.column_names) for report in load_reports()}


async def test_a_paid_order_runs_each_report_once_and_stores_its_csv(
    runner: DuneRunnerDriver, dune: RunningDuneEmulator
) -> None:
    event = order_paid()
    await runner.publish(event)
    finished = await runner.finished(event.order_id)

    assert finished["outcome"] == "completed"
    assert finished["failed_queries"] == []
    assert [r["query_name"] for r in finished["reports"]] == REPORTS
    counts = dune.execute_counts()
    assert (counts.received, counts.started) == (3, 3)
    assert {counts.started_by_query[runner.query_ids[name]] for name in REPORTS} == {1}

    (started,) = await runner.emitted(event.order_id, "dune_runner.analysis.started.v1")
    assert started["queries"] == REPORTS
    completed = await runner.emitted(event.order_id, "dune_runner.query.completed.v1")
    assert sorted(c["query_name"] for c in completed) == REPORTS

    jobs = await runner.jobs(event.order_id)
    files = await runner.files(event.order_id)
    by_name = {r["query_name"]: r for r in finished["reports"]}
    for name in REPORTS:
        job, file = jobs[name], files[name]
        assert (job.status, job.attempt, job.retry_count) == ("completed", 1, 0)
        data = runner.file_path(file.path).read_bytes()
        assert file.path == f"reports/{event.user_id}/{event.order_id}/{name}.csv"
        assert (file.size_bytes, file.sha256) == (len(data), hashlib.sha256(data).hexdigest())
        assert by_name[name] == {
            "query_name": name,
            "file_name": f"{name}.csv",
            "size_bytes": len(data),
            "sha256": file.sha256,
        }
        rows = list(csv.reader(io.StringIO(data.decode())))
        assert rows[0] == COLUMNS[name]
        assert len(rows) - 1 == WALLET.expected_rows[name] == file.row_count == job.row_count
        assert file.execution_id == job.execution_id
        (event_of_job,) = [c for c in completed if c["query_name"] == name]
        assert event_of_job["execution_id"] == job.execution_id
        assert event_of_job["report"]["sha256"] == file.sha256

    audit = await runner.audit(event.order_id)
    assert sorted(a.query_name for a in audit) == REPORTS
    for entry in audit:
        assert (
            entry.outcome == "accepted"
            and entry.execution_id == jobs[entry.query_name].execution_id
        )
        assert entry.query_id == runner.query_ids[entry.query_name]
        assert entry.parameters == {"wallet_address": WALLET.address}
        assert entry.answered_at >= entry.sent_at
        assert entry.credits is not None and entry.credits > 0 and entry.ended_at is not None
    assert [e.status for e in await runner.effects(event.order_id)] == ["done"] * 3


async def test_a_duplicate_order_paid_under_a_new_event_id_executes_nothing(
    runner: DuneRunnerDriver, dune: RunningDuneEmulator
) -> None:
    first = order_paid()
    await runner.publish(first)
    await runner.finished(first.order_id)
    again = order_paid(first.order_id, user_id=first.user_id)  # a new event id
    assert again.event_id != first.event_id
    await runner.publish(again)
    await runner.handled(again)
    await asyncio.sleep(0.5)  # an effect it might have requested would be performed by now
    assert dune.execute_counts().received == 3
    assert len(await runner.effects(first.order_id)) == 3
    assert len(await runner.emitted(first.order_id, "dune_runner.analysis.started.v1")) == 1


async def test_an_empty_wallet_gets_header_only_reports(
    runner: DuneRunnerDriver, dune: RunningDuneEmulator
) -> None:
    event = order_paid(wallet=EMPTY_WALLET)
    await runner.publish(event)
    finished = await runner.finished(event.order_id)
    assert finished["outcome"] == "completed"
    for name, file in (await runner.files(event.order_id)).items():
        data = runner.file_path(file.path).read_bytes()
        assert data.decode().splitlines() == [",".join(COLUMNS[name])]
        assert file.row_count == 0


async def test_an_order_without_a_wallet_starts_nothing(
    runner: DuneRunnerDriver, dune: RunningDuneEmulator
) -> None:
    event = order_paid(wallet=None)
    await runner.publish(event)
    await runner.handled(event)
    assert await runner.jobs(event.order_id) == {}
    assert dune.execute_counts().received == 0


async def test_a_malformed_order_paid_runs_nothing_and_is_set_aside(
    runner: DuneRunnerDriver, dune: RunningDuneEmulator
) -> None:
    bad = {"order_id": str(uuid.uuid4()), "wallet_address": "0x1234", "paid_via": "magic"}
    await runner.js.publish(
        wire_subject(runner.namespace, "orders.order.paid.v1"),
        json.dumps(bad).encode(),
        headers={"Nats-Msg-Id": uuid.uuid4().hex},
    )

    async def rejected() -> bool | None:
        text = (await runner.service.http.get("/metrics")).text
        return 'consumer="dune_runner__start_analysis",outcome="rejected"' in text or None

    assert await eventually(rejected)
    assert await runner.count(analyses, order_id=uuid.UUID(bad["order_id"])) == 0
    assert dune.execute_counts().received == 0


async def test_metrics_count_credits_and_jobs_by_status(
    runner: DuneRunnerDriver, dune: RunningDuneEmulator
) -> None:
    event = order_paid()
    await runner.publish(event)
    await runner.finished(event.order_id)

    text = (await runner.service.http.get("/metrics")).text
    credits = next(
        float(line.split()[-1])
        for line in text.splitlines()
        if line.startswith("dune_runner_credits_total ")
    )
    assert credits > 0
    assert 'dune_runner_executions_total{outcome="completed"}' in text
    for status in ("waiting", "executing", "completed", "failed_needs_review", "in_doubt"):
        assert f'dune_runner_jobs{{status="{status}"}}' in text
