"""The emulator's state and behaviour behind the HTTP endpoints: saved queries, executions
running their SQL, scripted faults, execute counts and the execute rate limit. Everything
here runs on the server's event loop; only the SQL runs elsewhere (SqlEngine's threads)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from . import states
from .dune_errors import DuneApiError
from .execute_counts import ExecuteCounter
from .execution_errors import ExecutionError, ExecutionFailure
from .execution_ids import looks_like_execution_id, new_execution_id
from .executions import Execution
from .faults import ExecutionFault, FaultPlan
from .parameters import effective_parameters, substitute
from .rate_limit import ExecuteRateLimit
from .result_set import ResultSet
from .saved_queries import QueryStore
from .settings import EmulatorSettings
from .sql_engine import SqlEngine
from .timestamps import utc_now

log = logging.getLogger(__name__)

PERFORMANCE_TIERS = frozenset({"medium", "large"})
INTERNAL_ERROR = ExecutionError("Internal error while running the query (see the emulator's log)")


class DuneEmulator:
    def __init__(self, settings: EmulatorSettings, engine: SqlEngine) -> None:
        self.settings = settings
        state_file = settings.state_dir / "queries.json" if settings.state_dir else None
        self.queries = QueryStore(state_file)
        self.executions: dict[str, Execution] = {}
        self.faults = FaultPlan()
        self.counts = ExecuteCounter()
        self.rate_limit = ExecuteRateLimit(
            settings.executes_per_minute, settings.rate_window_seconds
        )
        self.latency_seconds = settings.latency_seconds
        self._engine = engine
        self._runs: set[asyncio.Task[None]] = set()

    # ----- executing ---------------------------------------------------------------------

    def admit_execute(self) -> None:
        retry_after = self.rate_limit.admit()
        if retry_after is not None:
            raise DuneApiError(429, "Too many requests: rate limit exceeded", retry_after)

    def execute_query(
        self, query_id: int, given: Mapping[str, Any] | None, performance: str
    ) -> Execution:
        query = self.queries.get(query_id)
        if query.is_archived:
            raise DuneApiError(403, "Not allowed to execute query. Query is archived")
        values = effective_parameters(query.parameters, given)
        return self._start(query_id, substitute(query.query_sql, values), values, performance)

    def execute_sql(self, sql: str, performance: str) -> Execution:
        return self._start(None, sql, {}, performance)

    def _start(
        self, query_id: int | None, sql: str, values: dict[str, str], performance: str
    ) -> Execution:
        if performance not in PERFORMANCE_TIERS:
            raise DuneApiError(400, f"performance must be 'medium' or 'large', not {performance!r}")
        now = utc_now()
        execution = Execution(
            execution_id=new_execution_id(),
            query_id=query_id,
            sql=sql,
            parameters=values,
            performance=performance,
            submitted_at=now,
            expires_at=now + timedelta(seconds=self.settings.result_ttl_seconds),
        )
        self.executions[execution.execution_id] = execution
        self.counts.record_started(query_id)
        fault = self.faults.take_execution(query_id)
        run = asyncio.create_task(self._run(execution, fault))
        self._runs.add(run)
        run.add_done_callback(self._runs.discard)
        return execution

    async def _run(self, execution: Execution, fault: ExecutionFault | None) -> None:
        latency = fault.seconds if fault and fault.outcome == "slow" else self.latency_seconds
        try:
            await asyncio.sleep(latency / 2)
            if execution.is_finished:
                return  # cancelled while pending: its SQL never runs
            execution.start(utc_now())
            began = time.monotonic()
            result, error = await self._outcome_of_sql(execution, fault)
            await asyncio.sleep(max(0.0, latency / 2 - (time.monotonic() - began)))
            self._finish(execution, result, error, fault)
        except asyncio.CancelledError:
            raise
        except Exception:  # the execution fails, the emulator keeps serving
            log.exception("execution %s crashed", execution.execution_id)
            execution.fail(INTERNAL_ERROR, utc_now())

    async def _outcome_of_sql(
        self, execution: Execution, fault: ExecutionFault | None
    ) -> tuple[ResultSet | None, ExecutionError | None]:
        if fault is not None and fault.outcome == "failed":
            return None, ExecutionError(fault.message, 1, 1)
        try:
            return await self._engine.run(execution.sql), None
        except ExecutionFailure as failure:
            return None, failure.error

    def _finish(
        self,
        execution: Execution,
        result: ResultSet | None,
        error: ExecutionError | None,
        fault: ExecutionFault | None,
    ) -> None:
        now = utc_now()
        outcome = fault.outcome if fault is not None else None
        if outcome == "cancelled" and fault is not None:
            execution.cancel(now, fault.state_name)
        elif error is not None or result is None:
            execution.fail(error or INTERNAL_ERROR, now)
        elif outcome == "partial" and fault is not None:
            execution.complete(result.truncated(fault.max_rows), now, partial=True)
        else:
            execution.complete(result, now)
            if outcome == "expired":
                execution.expire()

    # ----- reading and controlling executions ------------------------------------------

    def execution(self, execution_id: str) -> Execution:
        if not looks_like_execution_id(execution_id):
            raise DuneApiError(400, f"The requested execution ID (ID: {execution_id}) is invalid.")
        execution = self.executions.get(execution_id)
        if execution is None:
            raise DuneApiError(404, "Execution not found")
        self._expire_if_due(execution)
        return execution

    def _expire_if_due(self, execution: Execution) -> None:
        if execution.state in states.WITH_RESULTS and utc_now() >= execution.expires_at:
            execution.expire()

    def cancel(self, execution_id: str) -> bool:
        return self.execution(execution_id).cancel(utc_now())

    def expire(self, execution_id: str) -> None:
        self.execution(execution_id).expire()

    def latest_with_results(self, query_id: int, parameters: Mapping[str, str]) -> Execution:
        """The newest execution of the query that has a result, among those run with these
        parameter values (when some are given)."""
        self.queries.get(query_id)
        for execution in reversed(list(self.executions.values())):
            self._expire_if_due(execution)
            if execution.query_id != query_id or execution.state not in states.WITH_RESULTS:
                continue
            if all(execution.parameters.get(k) == v for k, v in parameters.items()):
                return execution
        raise DuneApiError(404, "No execution found for the latest version of the given query")

    def reset(self) -> None:
        """Faults, counts and the rate-limit window back to empty (queries stay)."""
        self.faults.clear()
        self.counts.reset()
        self.rate_limit.reset()

    async def stop(self) -> None:
        for run in list(self._runs):
            run.cancel()
        await asyncio.gather(*self._runs, return_exceptions=True)
