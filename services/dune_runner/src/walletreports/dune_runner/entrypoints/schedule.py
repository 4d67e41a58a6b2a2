"""Background work, on every replica (pollers share jobs with SKIP LOCKED; releasing
takes one run per transaction, under its lock).

- `poll_executions`: every DUNE_RUNNER_POLL_EVERY_SECONDS, one pass of
  `polling.poll_executing` over the jobs due (again at once while passes come back full).
- `release_waiting_work`: every DUNE_RUNNER_RELEASE_EVERY_SECONDS, while intake is open,
  the work that waited while it was paused (or was held back by the performer) is sent,
  one run per transaction (so replicas never hold two runs' locks in different orders).
- `count_jobs`: every JOB_COUNT_SECONDS, query jobs by status for the metrics.
- `build_report_bundles`: every DUNE_RUNNER_RELEASE_EVERY_SECONDS, the report bundle
  (zip + summary.json) of each run that finished with files and has none for that finish
  (service_layer.bundles; a second build finds it done).
"""

from __future__ import annotations

from walletreports.kit import Clock, repeat
from walletreports.kit.messaging.unit_of_work import UnitsOfWork

from ..adapters.dune_api import DuneApi
from ..adapters.metrics import jobs_counted
from ..adapters.result_store import LocalResultStore
from ..adapters.unit_of_work import DuneRunnerUnitOfWork
from ..domain import CreditBudget, PollSchedule, SummaryColumns
from ..service_layer import analysis, bundles, polling
from ..settings import DuneRunnerSettings

__all__ = [
    "BUNDLE_BATCH",
    "POLL_BATCH",
    "RELEASE_BATCH",
    "build_report_bundles",
    "count_jobs",
    "poll_executions",
    "release_waiting_work",
]

# Jobs one pass claims; a full pass is followed by another at once.
POLL_BATCH = 20
# Runs one release round sends at most.
RELEASE_BATCH = 50
# Runs one bundle round builds at most.
BUNDLE_BATCH = 10


async def poll_executions(
    units: UnitsOfWork[DuneRunnerUnitOfWork],
    clock: Clock,
    dune: DuneApi,
    store: LocalResultStore,
    schedule: PollSchedule,
    budget: CreditBudget,
    settings: DuneRunnerSettings,
) -> None:
    async def step() -> None:
        while True:
            report = await polling.poll_executing(
                units,
                dune=dune,
                store=store,
                now=clock.now(),
                schedule=schedule,
                budget=budget,
                limit=POLL_BATCH,
            )
            if report.claimed < POLL_BATCH:
                return

    await repeat(step, settings.poll_every_seconds, "polling Dune executions")


async def release_waiting_work(
    units: UnitsOfWork[DuneRunnerUnitOfWork], clock: Clock, settings: DuneRunnerSettings
) -> None:
    async def step() -> None:
        for _ in range(RELEASE_BATCH):
            async with units() as uow:
                if not await analysis.release_waiting(uow, now=clock.now(), limit=1):
                    return

    await repeat(step, settings.release_every_seconds, "releasing waiting work")


async def build_report_bundles(
    units: UnitsOfWork[DuneRunnerUnitOfWork],
    clock: Clock,
    store: LocalResultStore,
    summary_columns: dict[str, SummaryColumns],
    settings: DuneRunnerSettings,
) -> None:
    async def step() -> None:
        while (
            await bundles.build_pending_bundles(
                units, store=store, columns=summary_columns, now=clock.now(), limit=BUNDLE_BATCH
            )
            >= BUNDLE_BATCH
        ):
            pass

    await repeat(step, settings.release_every_seconds, "building report bundles")


JOB_COUNT_SECONDS = 15.0


async def count_jobs(
    units: UnitsOfWork[DuneRunnerUnitOfWork], every_seconds: float = JOB_COUNT_SECONDS
) -> None:
    async def step() -> None:
        async with units() as uow:
            jobs_counted(await uow.jobs.counts_by_status())

    await repeat(step, every_seconds, "counting query jobs by status")
