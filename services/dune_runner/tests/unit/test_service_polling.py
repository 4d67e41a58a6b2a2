"""polling.poll_executing: status, results into storage, files, events, deadline, finish."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest

from walletreports.contracts.dune_runner import (
    AnalysisFinished,
    IntakePaused,
    QueryCompleted,
    QueryFailed,
)
from walletreports.dune_runner.domain import (
    ErrorType,
    HttpRefusal,
    JobAlreadyCompleted,
    JobStatus,
    NoAnswer,
)
from walletreports.dune_runner.service_layer import staff
from walletreports.dune_runner.service_layer.ports import DuneCallFailed

from .fakes import FakeDune, FakeStore, FakeUnitOfWork
from .given import (
    NAMES,
    ORDER_ID,
    STAFF,
    USER_ID,
    all_accepted,
    execution_id,
    later,
    order_paid,
    poll,
    status,
)

J = JobStatus
CSV = [
    b"block_time,amount_usd\n",
    b"2024-01-01 00:00:00.000 UTC,1.5\n",
    b"2024-01-02 00:00:00.000 UTC,2\n",
]


async def executing() -> tuple[FakeUnitOfWork, FakeDune, FakeStore]:
    uow = FakeUnitOfWork()
    await order_paid(uow)
    await all_accepted(uow)
    dune, store = FakeDune(), FakeStore()
    for name in NAMES:
        dune.script(execution_id(name), status(name, "QUERY_STATE_EXECUTING"))
        dune.results[execution_id(name)] = CSV
    return uow, dune, store


def finish(
    dune: FakeDune, name: str, state: str = "QUERY_STATE_COMPLETED", **fields: object
) -> None:
    dune.script(execution_id(name), status(name, state, **fields))  # type: ignore[arg-type]


async def test_a_completed_query_is_stored_recorded_announced_and_charged() -> None:
    uow, dune, store = await executing()
    finish(dune, "transfers", cost="2.25", rows=2)
    report = await poll(uow, dune, store, now=later(2))
    assert (report.claimed, report.completed, report.still_running) == (3, 1, 2)
    path = f"reports/{USER_ID}/{ORDER_ID}/transfers.csv"
    data = b"".join(CSV)
    assert store.files == {path: data}
    (file,) = uow.files.rows
    assert (file.path, file.size_bytes, file.sha256, file.row_count, file.partial) == (
        path,
        len(data),
        hashlib.sha256(data).hexdigest(),
        2,
        False,
    )
    job = uow.jobs.named("transfers")
    assert job.status is J.COMPLETED and job.row_count == 2
    (done,) = uow.emitted(QueryCompleted)
    assert (done.query_name, done.execution_id, done.row_count, done.credits_used) == (
        "transfers",
        execution_id("transfers"),
        2,
        Decimal("2.25"),
    )
    assert done.report.file_name == "transfers.csv" and done.report.sha256 == file.sha256
    entry = uow.ledger.entries[execution_id("transfers")]
    assert (entry.credits, entry.outcome) == (Decimal("2.25"), "completed")
    assert uow.emitted(AnalysisFinished) == []


async def test_when_every_job_completed_the_analysis_finishes_completed_with_every_file() -> None:
    uow, dune, store = await executing()
    for name in NAMES:
        finish(dune, name)
    await poll(uow, dune, store, now=later(2))
    (finished,) = uow.emitted(AnalysisFinished)
    assert finished.outcome == "completed" and finished.failed_queries == []
    assert [r.query_name for r in finished.reports] == NAMES
    assert finished.user_id == USER_ID


async def test_completed_partial_and_a_failure_make_a_partial_analysis_with_the_good_files() -> (
    None
):
    uow, dune, store = await executing()
    finish(dune, "defi_trades", "QUERY_STATE_COMPLETED_PARTIAL")
    finish(dune, "lp_events")
    finish(
        dune,
        "transfers",
        "QUERY_STATE_FAILED",
        error_type="FAILED_TYPE_EXECUTION_FAILED",
        error_message="line 3:5: Column 'x' cannot be resolved",
    )
    await poll(uow, dune, store, now=later(2))
    assert uow.jobs.named("defi_trades").partial
    (finished,) = uow.emitted(AnalysisFinished)
    assert finished.outcome == "partial"
    assert [r.query_name for r in finished.reports] == ["defi_trades", "lp_events"]
    assert finished.failed_queries == ["transfers"]
    failed = uow.jobs.named("transfers")
    assert (failed.status, failed.error_type) == (J.FAILED_NEEDS_REVIEW, ErrorType.QUERY_ERROR)
    (announced,) = uow.emitted(QueryFailed)
    assert not announced.retryable_by_staff and "cannot be resolved" in announced.error_message
    assert uow.ledger.entries[execution_id("transfers")].outcome == "failed"


@pytest.mark.parametrize(
    "state", ["QUERY_STATE_CANCELLED", "QUERY_STATE_CANCELED", "QUERY_STATE_EXPIRED"]
)
async def test_cancelled_in_both_spellings_and_expired_fail_retryable(state: str) -> None:
    uow, dune, store = await executing()
    finish(dune, "lp_events", state)
    await poll(uow, dune, store, now=later(2))
    job = uow.jobs.named("lp_events")
    assert (job.status, job.error_type) == (J.FAILED_RETRYABLE, ErrorType.SERVICE_OUTAGE)
    assert uow.emitted(QueryFailed)[0].retryable_by_staff


async def test_polls_back_off_and_a_job_is_not_polled_before_it_is_due() -> None:
    uow, dune, store = await executing()
    assert (await poll(uow, dune, store, now=later(1))).claimed == 0  # first poll at +2s
    await poll(uow, dune, store, now=later(2))
    assert uow.jobs.named("transfers").next_poll_at == later(2 + 4)
    assert (await poll(uow, dune, store, now=later(5))).claimed == 0
    await poll(uow, dune, store, now=later(6))
    assert uow.jobs.named("transfers").next_poll_at == later(6 + 8)
    assert len(dune.status_calls) == 6


async def test_a_job_with_no_result_by_its_deadline_fails_as_a_retryable_network_error() -> None:
    uow, dune, store = await executing()
    for name in ("defi_trades", "lp_events"):
        finish(dune, name)
    now = 2
    while uow.jobs.named("transfers").status is J.EXECUTING:
        await poll(uow, dune, store, now=later(now))
        now += 1
    job = uow.jobs.named("transfers")
    assert job.finished_at == later(600)  # the last poll is at the deadline itself
    assert (job.status, job.error_type) == (J.FAILED_RETRYABLE, ErrorType.NETWORK_ERROR)
    (failed,) = uow.emitted(QueryFailed)
    assert failed.retryable_by_staff and "no result within" in failed.error_message
    entry = uow.ledger.entries[execution_id("transfers")]
    assert (entry.outcome, entry.credits, entry.cost_reported) == ("timed_out", 0, False)
    (finished,) = uow.emitted(AnalysisFinished)
    assert finished.outcome == "partial" and finished.failed_queries == ["transfers"]


async def test_a_failed_status_call_is_polled_again_and_never_fails_the_job_itself() -> None:
    uow, dune, store = await executing()
    dune.script(
        execution_id("transfers"),
        DuneCallFailed(NoAnswer("timeout", "read timeout")),
        status("transfers", "QUERY_STATE_COMPLETED"),
    )
    report = await poll(uow, dune, store, now=later(2))
    assert report.poll_errors == 1
    job = uow.jobs.named("transfers")
    assert job.status is J.EXECUTING and job.last_poll_error is not None
    await poll(uow, dune, store, now=later(6))
    assert uow.jobs.named("transfers").status is J.COMPLETED


async def test_a_402_on_a_read_pauses_intake_but_leaves_the_job_executing() -> None:
    uow, dune, store = await executing()
    dune.script(execution_id("transfers"), DuneCallFailed(HttpRefusal(402, "limits")))
    await poll(uow, dune, store, now=later(2))
    assert uow.jobs.named("transfers").status is J.EXECUTING
    assert uow.intake.row.paused
    assert len(uow.emitted(IntakePaused)) == 1


async def test_a_failed_result_download_stores_nothing_and_is_tried_again() -> None:
    uow, dune, store = await executing()
    finish(dune, "transfers")
    dune.result_failures[execution_id("transfers")] = DuneCallFailed(HttpRefusal(503))
    await poll(uow, dune, store, now=later(2))
    assert store.files == {} and uow.files.rows == []
    assert uow.jobs.named("transfers").status is J.EXECUTING
    del dune.result_failures[execution_id("transfers")]
    await poll(uow, dune, store, now=later(6))
    assert uow.jobs.named("transfers").status is J.COMPLETED


async def test_a_storage_failure_leaves_the_job_claimed_then_polled_again() -> None:
    uow, dune, store = await executing()
    finish(dune, "transfers")
    store.fail_with = OSError("disk full")
    report = await poll(uow, dune, store, now=later(2))
    assert report.errors == 1
    job = uow.jobs.named("transfers")
    assert job.status is J.EXECUTING and job.next_poll_at == later(2 + 120)  # the claim
    store.fail_with = None
    await poll(uow, dune, store, now=later(2 + 120))
    assert uow.jobs.named("transfers").status is J.COMPLETED


async def test_an_answer_for_a_job_that_moved_on_meanwhile_is_dropped() -> None:
    uow, dune, store = await executing()
    finish(dune, "transfers")

    def give_up_meanwhile(_: str) -> None:
        # Staff give up while the poller is out on the network (another transaction).
        dune.on_status = None
        for job in uow.jobs.all():
            if job.status is J.EXECUTING:
                job.abandon(by="staff:a@b.c", reason="stop", now=later(2))
                uow.jobs.committed_elsewhere(job)

    dune.on_status = give_up_meanwhile
    report = await poll(uow, dune, store, now=later(2))
    assert report.stale == 3
    assert uow.files.rows == [] and uow.emitted(QueryCompleted) == []


async def test_a_job_another_poller_holds_is_skipped() -> None:
    uow, dune, store = await executing()
    uow.jobs.locked.add(uow.jobs.named("transfers").id)
    report = await poll(uow, dune, store, now=later(2))
    assert report.claimed == 2 and execution_id("transfers") not in dune.status_calls


async def test_completed_jobs_are_never_polled_or_run_again() -> None:
    uow, dune, store = await executing()
    finish(dune, "transfers")
    await poll(uow, dune, store, now=later(2))
    calls = len(dune.status_calls)
    await poll(uow, dune, store, now=later(300))
    assert execution_id("transfers") not in dune.status_calls[calls:]
    effects = dict(uow.effects.rows)
    with pytest.raises(JobAlreadyCompleted):
        async with uow:
            await staff.retry_job(
                uow,
                job_id=uow.jobs.named("transfers").id,
                staff_email=STAFF,
                reason="again",
                now=later(301),
            )
    assert uow.effects.rows == effects
