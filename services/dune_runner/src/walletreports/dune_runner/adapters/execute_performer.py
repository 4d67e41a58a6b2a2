"""The `dune.execute` performer: the one place a paid execute is sent (service_layer.executing
has the use cases it calls; domain/execution.py the payload and the reason texts).

Policy: `max_attempts=1` and never `safe_to_repeat`: the kit performs an intent once; even
an attempt that certainly did not happen is not tried again by the runner (a new attempt
is a staff decision, a new effect key).

    perform:   a slot of the shared execute rate limit (kit.rate_limit: every replica's
               executes together stay within DUNE_RUNNER_EXECUTES_PER_MINUTE), taken
               before the audit row, so an attempt stopped while it waits (no slot within
               SLOT_WAIT_SECONDS, a timeout, a stop) has no row: certainly not sent;
               check the attempt is still wanted and intake open, and write the audit row
               `sending`, in one short transaction committed before anything is sent
               (a database failure here sends nothing: EffectNotPerformed);
               HOLD -> EffectRefused(HOLD_REASON), OBSOLETE -> EffectRefused(obsolete);
               then the execute, once (DuneApi: no retries):
                 accepted                  -> {"execution_id", "state"}
                 Dune may have accepted it -> the error is re-raised: the kit's outcome
                                              unknown, the effect and the job in_doubt
                 refused / never sent      -> EffectRefused(refusal_reason(failure(p)))
    on_done:   the audit row accepted; executing.execution_accepted (the job polls)
    on_failed: the audit row refused / in_doubt; executing.execute_failed
    reconcile: asked when the outcome is unknown (a crash between the claim and the
               record, included): no audit row means the POST was never reached (the row
               is committed before it), so it did not happen; otherwise it cannot tell.
"""

from __future__ import annotations

import logging
from typing import Any

from walletreports.kit import Clock, EffectNotPerformed, EffectPolicy, EffectRefused, Intent
from walletreports.kit.effects import Happened, Performer
from walletreports.kit.messaging.unit_of_work import UnitsOfWork
from walletreports.kit.rate_limit import RateLimit, RateLimitTimeout

from ..domain import (
    HOLD_REASON,
    ExecuteRequest,
    PollSchedule,
    execution_id_from,
    failure,
    obsolete_reason,
    read_failure_reason,
    refusal_reason,
)
from ..service_layer import executing
from ..service_layer.executing import EFFECT_IN_DOUBT, ExecuteCheck
from .dune_api import DuneApi, ExecuteFailed
from .execute_log import ACCEPTED, IN_DOUBT, REFUSED
from .unit_of_work import DuneRunnerUnitOfWork

__all__ = ["NOT_SENT", "SLOT_WAIT_SECONDS", "DuneExecutePerformer"]

log = logging.getLogger("walletreports.dune_runner.execute")

# The audit outcome of an attempt that failed before its POST (its row may exist when
# the check's commit was in doubt).
NOT_SENT = "not_sent"
# The longest an attempt waits for a slot of the execute rate limit (a burst beyond the
# plan's limit queues up to five minutes' worth of executes); inside the effect timeout.
SLOT_WAIT_SECONDS = 300.0


class DuneExecutePerformer(Performer):
    def __init__(
        self,
        *,
        dune: DuneApi,
        units: UnitsOfWork[DuneRunnerUnitOfWork],
        clock: Clock,
        schedule: PollSchedule,
        timeout_seconds: float,
        rate_limit: RateLimit | None = None,
    ) -> None:
        self.dune = dune
        self.rate_limit = rate_limit
        self.units = units
        self.clock = clock
        self.schedule = schedule
        # Longer than the HTTP call may take, so the runner never cancels one under way
        # (that would be an unknown outcome for a request that may still be answered).
        # The wait for a rate-limit slot is inside it too.
        wait = 0.0 if rate_limit is None else (rate_limit.max_wait_seconds or SLOT_WAIT_SECONDS)
        self.policy = EffectPolicy(
            timeout_seconds=timeout_seconds + 15 + wait, max_attempts=1, safe_to_repeat=False
        )

    async def perform(self, intent: Intent) -> Any:
        request = _request(intent)
        if request is None:
            raise EffectRefused(obsolete_reason(f"not a {intent.kind} payload"))
        if self.rate_limit is not None:
            try:
                await self.rate_limit.acquire()
            except RateLimitTimeout as error:
                raise EffectNotPerformed(str(error)) from None
            except Exception as error:
                raise EffectNotPerformed(
                    f"no execute slot: {type(error).__name__}: {error}"
                ) from error
        try:
            async with self.units() as uow:
                check = await executing.check_execute(uow, request=request)
                if check is ExecuteCheck.GO:
                    await uow.executes.sending(request, at=self.clock.now())
        except Exception as error:
            raise EffectNotPerformed(
                f"the attempt could not be checked before sending: {type(error).__name__}: {error}"
            ) from error
        if check is ExecuteCheck.HOLD:
            raise EffectRefused(HOLD_REASON)
        if check is ExecuteCheck.OBSOLETE:
            raise EffectRefused(
                obsolete_reason(
                    f"job {request.job_id} no longer waits for attempt {request.attempt}"
                )
            )
        log.info(
            "executing query %d (%s) for job %s, attempt %d",
            request.query_id,
            request.query_name,
            request.job_id,
            request.attempt,
        )
        try:
            accepted = await self.dune.execute(request.query_id, request.parameters)
        except ExecuteFailed as failed:
            if failed.outcome_unknown:
                raise  # the kit: outcome unknown -> in_doubt, never sent again
            raise EffectRefused(refusal_reason(failure(failed.problem))) from None
        log.info(
            "Dune accepted query %d (%s) for job %s: execution %s",
            request.query_id,
            request.query_name,
            request.job_id,
            accepted.execution_id,
        )
        return {"execution_id": accepted.execution_id, "state": accepted.state}

    async def reconcile(self, intent: Intent) -> bool | Happened | None:
        async with self.units() as uow:
            sent = await uow.executes.exists(intent.key)
        return None if sent else False

    async def on_done(self, uow: Any, intent: Intent, result: Any) -> None:
        request = _request(intent)
        if request is None:
            return
        unit = _unit(uow)
        now = self.clock.now()
        await unit.executes.answered(
            request.key, outcome=ACCEPTED, at=now, execution_id=execution_id_from(result)
        )
        await executing.execution_accepted(
            unit, request=request, result=result, now=now, schedule=self.schedule
        )

    async def on_failed(self, uow: Any, intent: Intent, status: str, reason: str) -> None:
        request = _request(intent)
        if request is None:
            log.error(
                "side effect %s %r: not a dune.execute payload; ignored", intent.kind, intent.key
            )
            return
        unit = _unit(uow)
        now = self.clock.now()
        await unit.executes.answered(
            request.key, outcome=_audit_outcome(status, reason), at=now, error=reason
        )
        await executing.execute_failed(unit, request=request, status=status, reason=reason, now=now)


def _request(intent: Intent) -> ExecuteRequest | None:
    try:
        return ExecuteRequest.from_payload(intent.payload)
    except ValueError:
        log.exception("side effect %s %r has a payload it cannot read", intent.kind, intent.key)
        return None


def _unit(uow: Any) -> DuneRunnerUnitOfWork:
    if not isinstance(uow, DuneRunnerUnitOfWork):
        raise TypeError(f"the effect runner gave a {type(uow).__name__}, not the service's unit")
    return uow


def _audit_outcome(status: str, reason: str) -> str:
    if status == EFFECT_IN_DOUBT:
        return IN_DOUBT
    if reason.startswith("not performed") or read_failure_reason(reason) is None:
        return NOT_SENT
    return REFUSED
