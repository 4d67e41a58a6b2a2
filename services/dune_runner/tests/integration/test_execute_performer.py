"""The dune.execute performer's own decisions, called as the kit's runner calls it: it
sends nothing for an attempt no longer wanted or while intake is paused, writes the audit
row before it sends, and tells a reconcile whether the POST was ever reached."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from walletreports.devkit.processes import free_port
from walletreports.dune_emulator.testing import RunningDuneEmulator
from walletreports.dune_runner.adapters.dune_api import DuneApi
from walletreports.dune_runner.adapters.execute_performer import DuneExecutePerformer
from walletreports.dune_runner.adapters.unit_of_work import DuneRunnerUnitOfWork
from walletreports.dune_runner.domain import (
    EXECUTE_EFFECT,
    HOLD_REASON,
    JobStatus,
    PollSchedule,
    ReportSpec,
)
from walletreports.dune_runner.service_layer import analysis, budget
from walletreports.kit import EffectRefused, Intent, SystemClock
from walletreports.kit.messaging.unit_of_work import UnitsOfWork

WALLET = "0x52908400098527886E0F7030069857D2E4169EE7"


def performer(
    units: UnitsOfWork[DuneRunnerUnitOfWork], base_url: str, key: str
) -> DuneExecutePerformer:
    return DuneExecutePerformer(
        dune=DuneApi(api_key=key, base_url=base_url, timeout_seconds=2),
        units=units,
        clock=SystemClock(),
        schedule=PollSchedule(),
        timeout_seconds=2,
    )


async def intents_of_a_paid_order(
    units: UnitsOfWork[DuneRunnerUnitOfWork], query_id: int
) -> tuple[uuid.UUID, list[Intent]]:
    order_id = uuid.uuid4()
    async with units() as uow:
        await analysis.start_for_paid_order(
            uow,
            order_id=order_id,
            user_id=uuid.uuid4(),
            product="wallet_report",
            wallet_address=WALLET,
            reports=(ReportSpec(name="transfers", query_id=query_id, output_file="t.csv"),),
            now=datetime.now(UTC),
        )
        rows = (
            await uow.session.execute(
                uow.outbox.table.metadata.tables["side_effects"]
                .select()
                .where(
                    uow.outbox.table.metadata.tables["side_effects"].c.correlation_id
                    == str(order_id)
                )
            )
        ).all()
    return order_id, [
        Intent(r.id, r.kind, r.key, r.payload, r.correlation_id, 1, r.created_at) for r in rows
    ]


async def test_an_attempt_sent_and_accepted_is_audited(
    units: UnitsOfWork[DuneRunnerUnitOfWork], dune: RunningDuneEmulator, query_ids: dict[str, int]
) -> None:
    subject = performer(units, dune.base_url, dune.api_key)
    _, (intent,) = await intents_of_a_paid_order(units, query_ids["transfers"])
    assert intent.kind == EXECUTE_EFFECT
    result = await subject.perform(intent)
    assert set(result) == {"execution_id", "state"}
    assert await subject.reconcile(intent) is None  # the POST was reached: cannot tell
    async with units() as uow:
        await subject.on_done(uow, intent, result)
    async with units() as uow:
        (entry,) = await uow.executes.for_job(uuid.UUID(intent.payload["job_id"]))
        job = await uow.jobs.get(entry.job_id)
    assert (entry.outcome, entry.execution_id) == ("accepted", result["execution_id"])
    assert job is not None and job.status is JobStatus.EXECUTING
    assert dune.execute_counts().received == 1
    subject.dune.close()


async def test_nothing_is_sent_while_intake_is_paused(
    units: UnitsOfWork[DuneRunnerUnitOfWork], dune: RunningDuneEmulator, query_ids: dict[str, int]
) -> None:
    subject = performer(units, dune.base_url, dune.api_key)
    _, (intent,) = await intents_of_a_paid_order(units, query_ids["transfers"])
    async with units() as uow:
        await budget.pause_by_staff(uow, staff_email="a@b.c", reason="audit", now=datetime.now(UTC))
    try:
        with pytest.raises(EffectRefused, match=r"\[dune:hold\]"):
            await subject.perform(intent)
        assert await subject.reconcile(intent) is False  # never reached the POST
        async with units() as uow:
            await subject.on_failed(uow, intent, "failed", f"refused: EffectRefused: {HOLD_REASON}")
        async with units() as uow:
            job = await uow.jobs.get(uuid.UUID(intent.payload["job_id"]))
            assert job is not None and job.status is JobStatus.WAITING  # sent on resume
            assert await uow.executes.for_job(job.id) == []
    finally:
        async with units() as uow:
            await budget.resume_by_staff(
                uow, staff_email="a@b.c", reason="done", now=datetime.now(UTC)
            )
        subject.dune.close()
    assert dune.execute_counts().received == 0


async def test_an_attempt_no_longer_wanted_is_not_sent(
    units: UnitsOfWork[DuneRunnerUnitOfWork], dune: RunningDuneEmulator, query_ids: dict[str, int]
) -> None:
    subject = performer(units, dune.base_url, dune.api_key)
    _, (intent,) = await intents_of_a_paid_order(units, query_ids["transfers"])
    stale = Intent(**{**intent.__dict__, "payload": {**intent.payload, "attempt": 7}})
    with pytest.raises(EffectRefused, match=r"\[dune:obsolete\]"):
        await subject.perform(stale)
    malformed = Intent(**{**intent.__dict__, "payload": {"nope": 1}})
    with pytest.raises(EffectRefused, match=r"\[dune:obsolete\]"):
        await subject.perform(malformed)
    async with units() as uow:
        await subject.on_failed(uow, malformed, "failed", "refused")  # logged, nothing else
    subject.dune.close()
    assert dune.execute_counts().received == 0


async def test_a_dune_that_cannot_be_reached_refuses_as_a_network_error(
    units: UnitsOfWork[DuneRunnerUnitOfWork],
) -> None:
    subject = performer(units, f"http://127.0.0.1:{free_port()}", "key")
    _, (intent,) = await intents_of_a_paid_order(units, 1)
    with pytest.raises(EffectRefused, match=r"\[dune:network_error\] no answer \(connection\)"):
        await subject.perform(intent)
    subject.dune.close()
