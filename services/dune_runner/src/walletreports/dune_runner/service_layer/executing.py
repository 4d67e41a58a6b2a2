"""The `dune.execute` performer's use cases: what it asks before sending, and what it
records in the kit's hooks. (The performer itself, the adapter that calls dune-client,
lives in adapters/ and only translates; see domain/execution.py for the payload.)

How the performer uses them, with `policy = EffectPolicy(max_attempts=1)` (an execute is
never tried again by the runner, not even one that certainly did not happen) and never
`safe_to_repeat`:

    perform(intent):
        request = ExecuteRequest.from_payload(intent.payload)
        match await check_execute(uow, request=request)   # its own short transaction
            HOLD     -> raise EffectRefused(HOLD_REASON)
            OBSOLETE -> raise EffectRefused(obsolete_reason(...))
        execute once, dune-client's retries off:
            accepted             -> return accepted_result(execution_id, state)
            a problem p (HttpRefusal / NoAnswer):
                execute_outcome_unknown(p) -> raise it (the kit: outcome unknown)
                otherwise                  -> raise EffectRefused(refusal_reason(failure(p)))
    on_done(uow, intent, result)        -> execution_accepted(uow, request=..., result=result, ...)
    on_failed(uow, intent, status, why) -> execute_failed(uow, request=..., status=status, reason=why, ...)

A refusal fails the job at once with its error type (needs review or retryable by staff),
publishes `query.failed`, and a 402 pauses intake; an unknown outcome leaves the job
`in_doubt`, where nothing repeats it. Nothing here ever requests another execute.
"""

from __future__ import annotations

import logging
from datetime import datetime
from enum import StrEnum
from typing import Any

from ..domain import (
    SYSTEM,
    ErrorType,
    ExecuteRequest,
    Failure,
    Held,
    JobChange,
    Obsolete,
    PollSchedule,
    Stale,
    execution_id_from,
    read_failure_reason,
)
from . import messages
from .budget import pause_intake
from .ports import DuneRunnerUnitOfWorkPort
from .runs import finish_if_done, locked_run

__all__ = [
    "EFFECT_IN_DOUBT",
    "ExecuteCheck",
    "check_execute",
    "execute_failed",
    "execution_accepted",
]

log = logging.getLogger("walletreports.dune_runner.executing")

# The kit's status for an effect whose outcome is unknown (kit.effects.IN_DOUBT).
EFFECT_IN_DOUBT = "in_doubt"


class ExecuteCheck(StrEnum):
    GO = "go"
    HOLD = "hold"  # intake is paused: do not send; the job waits again
    OBSOLETE = "obsolete"  # the job no longer waits for this attempt: do not send


async def check_execute(uow: DuneRunnerUnitOfWorkPort, *, request: ExecuteRequest) -> ExecuteCheck:
    """Right before sending: is this attempt still wanted, and is intake open? (A pause
    committed after this check lets one execute through; Dune's 402 stops the rest.)"""
    job = await uow.jobs.get(request.job_id)
    if job is None or not job.awaits_execute(request.attempt):
        return ExecuteCheck.OBSOLETE
    if (await uow.intake.get()).paused:
        return ExecuteCheck.HOLD
    return ExecuteCheck.GO


async def execution_accepted(
    uow: DuneRunnerUnitOfWorkPort,
    *,
    request: ExecuteRequest,
    result: Any,
    now: datetime,
    schedule: PollSchedule,
) -> JobChange | Stale:
    """on_done: Dune accepted the execute; the job is executing and will be polled. A
    result without an execution id (reconciled: it happened, but which?) is in doubt."""
    run = await locked_run(uow, request.analysis_id)
    job = run.job(request.job_id)
    execution_id = execution_id_from(result)
    if execution_id is None:
        change = job.mark_in_doubt(
            attempt=request.attempt,
            reason="Dune accepted the execute but its execution id is unknown",
            now=now,
        )
    else:
        change = job.accept_execution(
            attempt=request.attempt, execution_id=execution_id, now=now, schedule=schedule
        )
    if isinstance(change, Stale):
        log.warning("job %s: execute result ignored: %s", job.id, change.reason)
        return change
    await uow.jobs.save(job)
    return change


async def execute_failed(
    uow: DuneRunnerUnitOfWorkPort,
    *,
    request: ExecuteRequest,
    status: str,
    reason: str,
    now: datetime,
) -> JobChange | Stale:
    """on_failed: `status` is the kit's `failed` or `in_doubt`, `reason` its text."""
    run = await locked_run(uow, request.analysis_id)
    job = run.job(request.job_id)
    if status == EFFECT_IN_DOUBT:
        change = job.mark_in_doubt(attempt=request.attempt, reason=reason, now=now)
        if isinstance(change, JobChange):
            await uow.jobs.save(job)
            log.error(
                "job %s (%s, order %s) is in doubt: Dune may have run it; staff decide: %s",
                job.id,
                job.query_name,
                job.order_id,
                reason,
            )
        return change
    verdict = read_failure_reason(reason)
    if isinstance(verdict, Obsolete):
        return Stale(job.id, f"not sent: {verdict.reason}")
    if isinstance(verdict, Held):
        change = job.hold(attempt=request.attempt, now=now)
        if isinstance(change, JobChange):
            await uow.jobs.save(job)
        return change
    # Unmarked: the kit gave up before anything was sent, or an unexpected refusal.
    failure = verdict or Failure(ErrorType.NETWORK_ERROR, f"not sent: {reason}")
    change = job.refuse_execution(attempt=request.attempt, failure=failure, now=now)
    if isinstance(change, Stale):
        log.warning("job %s: execute refusal ignored: %s", job.id, change.reason)
        return change
    await uow.jobs.save(job)
    await uow.emit(messages.query_failed(job, now=now))
    log.error(
        "job %s (%s, order %s) refused by Dune: %s",
        job.id,
        job.query_name,
        job.order_id,
        failure.message,
    )
    if failure.pause_intake:
        await pause_intake(
            uow,
            reason=f"Dune refused an execute for lack of credits: {failure.message}",
            by=SYSTEM,
            now=now,
        )
    await finish_if_done(uow, run, now=now)
    return change
