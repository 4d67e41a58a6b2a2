"""Every way Dune fails an execute ends the job in the right status and error type, with
exactly one execute request per job: dune-client's own retries (which would send a
paid POST again on 429, 502, 503, 504 and read timeouts) are off for executes."""

from __future__ import annotations

import asyncio

import pytest

from walletreports.contracts.dune_runner import QueryFailed
from walletreports.dune_emulator.testing import RunningDuneEmulator

from .conftest import REPORTS, TIMEOUT_SECONDS, DuneRunnerDriver, order_paid

ALL = len(REPORTS)


@pytest.mark.parametrize(
    ("status", "error_type", "job_status"),
    [
        (400, "query_error", "failed_needs_review"),
        (401, "auth_error", "failed_needs_review"),
        (403, "auth_error", "failed_needs_review"),
        (404, "invalid_query_id", "failed_needs_review"),
        (429, "rate_limit", "failed_retryable"),
        (500, "service_outage", "failed_retryable"),
        (503, "service_outage", "failed_retryable"),
    ],
)
async def test_an_execute_refused_fails_its_job_with_one_request(
    runner: DuneRunnerDriver,
    dune: RunningDuneEmulator,
    status: int,
    error_type: str,
    job_status: str,
) -> None:
    dune.fail_next("execute", status, times=ALL)
    event = order_paid()
    await runner.publish(event)
    finished = await runner.finished(event.order_id)

    assert finished["outcome"] == "failed"
    assert finished["reports"] == [] and finished["failed_queries"] == REPORTS
    counts = dune.execute_counts()
    assert (counts.received, counts.started) == (ALL, 0)  # one request per job, no retry
    jobs = await runner.jobs(event.order_id)
    assert {(j.status, j.error_type, j.attempt) for j in jobs.values()} == {
        (job_status, error_type, 1)
    }
    failures = [
        QueryFailed.model_validate(e)
        for e in await runner.emitted(event.order_id, "dune_runner.query.failed.v1")
    ]
    assert sorted(f.query_name for f in failures) == REPORTS
    assert {(f.error_type, f.retryable_by_staff) for f in failures} == {
        (error_type, job_status == "failed_retryable")
    }
    assert {f"HTTP {status}" in f.error_message for f in failures} == {True}
    assert {e.status for e in await runner.effects(event.order_id)} == {"failed"}
    assert {a.outcome for a in await runner.audit(event.order_id)} == {"refused"}
    await asyncio.sleep(0.5)
    assert dune.execute_counts().received == ALL


async def test_an_execution_that_fails_on_dune_is_a_query_error(
    runner: DuneRunnerDriver, dune: RunningDuneEmulator
) -> None:
    dune.fail_next_execution(times=ALL)
    event = order_paid()
    await runner.publish(event)
    finished = await runner.finished(event.order_id)
    assert finished["outcome"] == "failed"
    counts = dune.execute_counts()
    assert (counts.received, counts.started) == (ALL, ALL)
    jobs = await runner.jobs(event.order_id)
    assert {(j.status, j.error_type) for j in jobs.values()} == {
        ("failed_needs_review", "query_error")
    }
    assert all("QUERY_STATE_FAILED" in j.error_message for j in jobs.values())
    # Accepted by Dune (it ran and failed): the executes themselves were not refused.
    assert {e.status for e in await runner.effects(event.order_id)} == {"done"}


@pytest.mark.parametrize("state_name", ["QUERY_STATE_CANCELLED", "QUERY_STATE_CANCELED"])
async def test_a_cancelled_execution_is_a_service_outage(
    runner: DuneRunnerDriver, dune: RunningDuneEmulator, state_name: str
) -> None:
    dune.cancel_next_execution(state_name=state_name, times=ALL)
    event = order_paid()
    await runner.publish(event)
    assert (await runner.finished(event.order_id))["outcome"] == "failed"
    jobs = await runner.jobs(event.order_id)
    assert {(j.status, j.error_type) for j in jobs.values()} == {
        ("failed_retryable", "service_outage")
    }
    assert dune.execute_counts().received == ALL


async def test_an_execute_with_no_answer_in_time_is_in_doubt_and_never_sent_again(
    runner: DuneRunnerDriver, dune: RunningDuneEmulator
) -> None:
    dune.hang_next("execute", seconds=TIMEOUT_SECONDS + 2, times=ALL)
    event = order_paid()
    await runner.publish(event)
    jobs = await runner.jobs_until(event.order_id, "in_doubt")
    counts = dune.execute_counts()
    # Dune did take them (and would bill them): that is why nothing may send them again.
    assert (counts.received, counts.started) == (ALL, ALL)
    assert {j.execution_id for j in jobs.values()} == {None}
    assert all("timeout" in (j.error_message or "") for j in jobs.values())
    assert {e.status for e in await runner.effects(event.order_id)} == {"in_doubt"}
    assert {a.outcome for a in await runner.audit(event.order_id)} == {"in_doubt"}
    assert (await runner.analysis(event.order_id)).status == "running"  # staff decide
    await asyncio.sleep(TIMEOUT_SECONDS + 1)
    assert dune.execute_counts().received == ALL
    assert await runner.emitted(event.order_id, "dune_runner.analysis.finished.v1") == []


@pytest.mark.parametrize("status", [502, 504])
async def test_a_gateway_error_on_execute_is_in_doubt(
    runner: DuneRunnerDriver, dune: RunningDuneEmulator, status: int
) -> None:
    dune.fail_next("execute", status, times=ALL)
    event = order_paid()
    await runner.publish(event)
    await runner.jobs_until(event.order_id, "in_doubt")
    assert dune.execute_counts().received == ALL
    assert {e.status for e in await runner.effects(event.order_id)} == {"in_doubt"}


async def test_one_failing_report_gives_a_partial_analysis_with_the_good_files(
    runner: DuneRunnerDriver, dune: RunningDuneEmulator
) -> None:
    dune.fail_next_execution(query_id=runner.query_ids["lp_events"])
    event = order_paid()
    await runner.publish(event)
    finished = await runner.finished(event.order_id)
    assert finished["outcome"] == "partial"
    assert finished["failed_queries"] == ["lp_events"]
    assert [r["query_name"] for r in finished["reports"]] == ["defi_trades", "transfers"]
    files = await runner.files(event.order_id)
    assert sorted(files) == ["defi_trades", "transfers"]
    for file in files.values():
        assert runner.file_path(file.path).stat().st_size == file.size_bytes
    jobs = await runner.jobs(event.order_id)
    assert (jobs["lp_events"].status, jobs["lp_events"].error_type) == (
        "failed_needs_review",
        "query_error",
    )
    assert dune.execute_counts().received == ALL


async def test_results_that_cannot_be_read_are_polled_again_until_they_can(
    runner: DuneRunnerDriver, dune: RunningDuneEmulator
) -> None:
    # GETs may be repeated: a status or results error only delays the job.
    dune.fail_next("status", 500, times=2)
    dune.fail_next("results_csv", 500, times=2)
    event = order_paid()
    await runner.publish(event)
    finished = await runner.finished(event.order_id)
    assert finished["outcome"] == "completed"
    assert dune.execute_counts().received == ALL
