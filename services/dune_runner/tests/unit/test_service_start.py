"""analysis.start_for_paid_order on the fake unit of work: one run per paid order with a
wallet, one job and one execute effect per report."""

from __future__ import annotations

import uuid

import pytest

from walletreports.contracts.dune_runner import AnalysisStarted
from walletreports.dune_runner.domain import (
    EXECUTE_EFFECT,
    AnalysisStatus,
    Intake,
    InvalidWalletAddress,
    JobStatus,
)
from walletreports.dune_runner.service_layer import analysis, budget

from .fakes import FakeUnitOfWork, as_port
from .given import NAMES, NOW, ORDER_ID, STAFF, USER_ID, WALLET, later, order_paid


def test_the_fake_has_the_ports_shape() -> None:
    assert as_port(FakeUnitOfWork()) is not None


async def test_a_paid_order_gets_one_job_and_one_execute_effect_per_report() -> None:
    uow = FakeUnitOfWork()
    run = await order_paid(uow)
    assert run.status is AnalysisStatus.RUNNING and run.runs == 1
    jobs = uow.jobs.of(run.id)
    assert [j.query_name for j in jobs] == NAMES
    assert {j.status for j in jobs} == {JobStatus.SUBMITTING}
    assert [(r.kind, r.key) for r in uow.effects.rows.values()] == [
        (EXECUTE_EFFECT, f"{j.id}:1") for j in jobs
    ]
    first = next(iter(uow.effects.rows.values()))
    assert first.correlation_id == str(ORDER_ID)
    assert first.payload == {
        "job_id": str(jobs[0].id),
        "attempt": 1,
        "analysis_id": str(run.id),
        "order_id": str(ORDER_ID),
        "query_name": "defi_trades",
        "query_id": 101,
        "parameters": {"wallet_address": WALLET},
    }
    assert uow.effects.executes()[2].parameters == {"min_usd": "0", "wallet_address": WALLET}
    (started,) = uow.emitted(AnalysisStarted)
    assert (started.order_id, started.user_id, started.queries) == (ORDER_ID, USER_ID, NAMES)
    assert started.correlation_id == str(ORDER_ID)


async def test_a_duplicate_order_paid_even_under_a_new_event_id_creates_nothing() -> None:
    uow = FakeUnitOfWork()
    first = await order_paid(uow)
    events, effects = list(uow.events), dict(uow.effects.rows)
    again = await order_paid(uow, now=later(60))
    assert again.id == first.id
    assert len(uow.analyses.all()) == 1 and len(uow.jobs.all()) == len(NAMES)
    assert uow.effects.rows == effects and uow.events == events


async def test_an_order_without_a_wallet_gets_nothing() -> None:
    uow = FakeUnitOfWork()
    assert await order_paid(uow, wallet=None) is None
    assert uow.analyses.all() == [] and uow.effects.rows == {} and uow.events == []


async def test_a_malformed_wallet_is_refused_before_any_paid_query() -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(InvalidWalletAddress):
        await order_paid(uow, wallet="0xnot-an-address")
    assert uow.rolled_back and uow.analyses.all() == [] and uow.effects.rows == {}


async def test_while_intake_is_paused_a_paid_order_is_recorded_and_its_jobs_wait() -> None:
    uow = FakeUnitOfWork(intake=Intake(paused=True, reason="daily credit budget reached"))
    run = await order_paid(uow)
    assert run.status is AnalysisStatus.WAITING
    assert {j.status for j in uow.jobs.of(run.id)} == {JobStatus.WAITING}
    assert uow.effects.rows == {} and uow.events == []
    async with uow:  # nothing is released while paused
        assert await analysis.release_waiting(uow, now=later(1)) == 0
    assert uow.effects.rows == {}


async def test_resuming_intake_sends_the_waiting_jobs_and_starts_the_run() -> None:
    uow = FakeUnitOfWork(intake=Intake(paused=True, reason="daily credit budget reached"))
    run = await order_paid(uow)
    async with uow:
        assert await budget.resume_by_staff(
            uow, staff_email=STAFF, reason="topped up", now=later(60)
        )
    async with uow:
        assert await analysis.release_waiting(uow, now=later(61)) == len(NAMES)
    assert uow.analyses.stored(run.id).status is AnalysisStatus.RUNNING
    assert len(uow.effects.rows) == len(NAMES)
    assert [e.queries for e in uow.emitted(AnalysisStarted)] == [NAMES]
    async with uow:  # released once
        assert await analysis.release_waiting(uow, now=later(62)) == 0
    assert len(uow.effects.rows) == len(NAMES)


async def test_release_waiting_takes_the_oldest_runs_first_up_to_its_limit() -> None:
    uow = FakeUnitOfWork(intake=Intake(paused=True, reason="paused"))
    first = await order_paid(uow, order_id=uuid.uuid4(), now=NOW)
    await order_paid(uow, order_id=uuid.uuid4(), now=later(5))
    uow.intake.row = Intake()
    async with uow:
        await analysis.release_waiting(uow, now=later(10), limit=1)
    assert {e.analysis_id for e in uow.effects.executes()} == {first.id}
