"""The dune_runner composition root: what the service builds once at start, beside what
the kit provides (settings, units, clock, database, jetstream).

- `reports`: the report specs a paid order runs, from the queries catalog and
  DUNE_RUNNER_QUERY_IDS (checked at start: settings.py).
- `dune`: Dune's API (adapters/dune_api.py): the poller's reads, the performer's execute.
  Its HTTP sessions are closed when the service stops.
- `store`: the report files folder (DUNE_RUNNER_REPORTS_DIR), created at start.
- `schedule`, `budget`: the poll schedule and the credit budget from the settings.
- `summary_columns`: which column of each report the bundle's summary reads (checked
  against the catalog at start).
- the `dune.execute` performer (adapters/execute_performer.py), run by the kit's effect
  runner on every replica, under the `dune.execute` rate limit all replicas share
  (DUNE_RUNNER_EXECUTES_PER_MINUTE, kept in the service's database: kit.rate_limit).
- readiness check `dune`: an authenticated read of the first report's saved query
  (GET /query/{id}): "ok", or what Dune (or the network) said. Answers are kept for a few
  seconds, so probes do not each cost a call.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from walletreports.kit import Platform
from walletreports.kit.rate_limit import RateLimit

from .adapters.dune_api import DuneApi
from .adapters.execute_performer import SLOT_WAIT_SECONDS, DuneExecutePerformer
from .adapters.result_store import LocalResultStore
from .domain import (
    EXECUTE_EFFECT,
    CreditBudget,
    HttpRefusal,
    PollSchedule,
    ReportSpec,
    SummaryColumns,
)
from .queries import load_reports
from .service_layer.analysis import specs_from_catalog
from .service_layer.bundles import summary_columns
from .settings import DuneRunnerSettings

__all__ = ["DuneRunnerCollaborators", "bootstrap"]

READINESS_CACHE_SECONDS = 5.0


@dataclass(frozen=True)
class DuneRunnerCollaborators:
    reports: tuple[ReportSpec, ...]
    dune: DuneApi
    store: LocalResultStore
    schedule: PollSchedule
    budget: CreditBudget
    summary_columns: dict[str, SummaryColumns]


def poll_schedule(settings: DuneRunnerSettings) -> PollSchedule:
    return PollSchedule(
        first_interval=settings.poll_first_interval,
        factor=settings.poll_factor,
        max_interval=settings.poll_max_interval,
        deadline=settings.poll_deadline,
        claim_for=settings.poll_claim,
    )


def credit_budget(settings: DuneRunnerSettings) -> CreditBudget:
    return CreditBudget(
        daily=settings.daily_credits,
        weekly=settings.weekly_credits,
        thresholds=settings.budget_thresholds,
    )


@contextlib.asynccontextmanager
async def bootstrap(
    platform: Platform[DuneRunnerSettings],
) -> AsyncIterator[DuneRunnerCollaborators]:
    settings = platform.settings
    catalog = load_reports()
    reports = specs_from_catalog(catalog, settings.query_ids)
    columns = summary_columns(catalog)
    store = LocalResultStore(settings.reports_dir)
    store.prepare()
    schedule = poll_schedule(settings)
    dune = DuneApi(
        api_key=settings.api_key,
        base_url=settings.dune_api_base_url,
        timeout_seconds=settings.dune_api_timeout_seconds,
        page_rows=settings.result_page_rows,
    )
    # Its own client, one try with a short limit: /readyz gives a check 2 s.
    probe = DuneApi(
        api_key=settings.api_key,
        base_url=settings.dune_api_base_url,
        timeout_seconds=min(settings.dune_api_timeout_seconds, 1.5),
        get_retries=0,
        threads=2,
    )
    try:
        platform.add_performer(
            EXECUTE_EFFECT,
            DuneExecutePerformer(
                dune=dune,
                units=platform.units,
                clock=platform.clock,
                schedule=schedule,
                timeout_seconds=settings.dune_api_timeout_seconds,
                rate_limit=RateLimit(
                    platform.database.engine,
                    EXECUTE_EFFECT,
                    per_minute=settings.executes_per_minute,
                    max_wait_seconds=SLOT_WAIT_SECONDS,
                ),
            ),
        )
        platform.add_readiness_check("dune", _DuneReady(probe, reports[0]))
        yield DuneRunnerCollaborators(
            reports=reports,
            dune=dune,
            store=store,
            schedule=schedule,
            budget=credit_budget(settings),
            summary_columns=columns,
        )
    finally:
        dune.close()
        probe.close()


class _DuneReady:
    """`dune`: can the configured key read the first report's query?"""

    def __init__(self, dune: DuneApi, report: ReportSpec) -> None:
        self.dune = dune
        self.report = report
        self._answer: tuple[float, str] | None = None

    async def __call__(self) -> str:
        now = time.monotonic()
        if self._answer is not None and now - self._answer[0] < READINESS_CACHE_SECONDS:
            return self._answer[1]
        answer = await self._ask()
        self._answer = (time.monotonic(), answer)
        return answer

    async def _ask(self) -> str:
        check = await self.dune.check_query(self.report.query_id)
        problem = check.problem
        if problem is None:
            return "ok"
        if isinstance(problem, HttpRefusal):
            if problem.status in (401, 403):
                return f"refused: the API key (HTTP {problem.status}: {problem.message})"
            if problem.status == 404:
                return f"query {self.report.query_id} ({self.report.name}) not found on Dune"
            if problem.status == 429:
                return "ok"  # Dune answered and knows the key; it only asks to slow down
            return f"unavailable: HTTP {problem.status}: {problem.message}"
        return f"unreachable: {problem.kind}: {problem.message}"[:200]
