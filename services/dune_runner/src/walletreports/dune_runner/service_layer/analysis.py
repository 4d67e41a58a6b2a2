"""Starting analyses: from `order.paid`, again when staff re-open the order, and the work
that waited while intake was paused.

- `start_for_paid_order`: one run per order with a wallet (plan purchases have none:
  nothing happens). A duplicate `order.paid`, even under a new event id, finds the run
  and does nothing. Intake open: every job is submitted (one execute effect each) and
  `analysis.started` published. Intake paused: the run and its jobs are recorded and
  wait, with no effect and no event, until `release_waiting` after a resume.
- `order_status_changed`: orders' `order.status_changed`; only a re-open (failed or
  partial_complete back to payment_received, `is_reopen`) matters. It re-runs the failed
  (and abandoned) jobs, never the completed ones, each as a retry (counted, recorded).
  Nothing to re-run: the finish is announced again, so the order does not stay open.
- `release_waiting`: intake open, it sends the waiting jobs of up to `limit` runs.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from types import MappingProxyType

from ..domain import (
    ORDER_REOPENED,
    AnalysisRun,
    JobStatus,
    QueryJob,
    ReportSpec,
    check_reports,
    is_reopen,
    plan_analysis,
)
from ..queries import ReportQuery
from . import messages
from .ports import DuneRunnerUnitOfWorkPort
from .runs import Run, locked_run, locked_run_for_order, save, send_waiting

__all__ = [
    "WALLET_PARAMETER",
    "order_status_changed",
    "release_waiting",
    "specs_from_catalog",
    "start_for_paid_order",
]

log = logging.getLogger("walletreports.dune_runner.analysis")

# The parameter every report query takes the order's wallet in (queries/reports.toml).
WALLET_PARAMETER = "wallet_address"


async def start_for_paid_order(
    uow: DuneRunnerUnitOfWorkPort,
    *,
    order_id: uuid.UUID,
    user_id: uuid.UUID,
    product: str,
    wallet_address: str | None,
    reports: Sequence[ReportSpec],
    now: datetime,
) -> AnalysisRun | None:
    """The order's run: new (started, or waiting while intake is paused), or the one it
    already has; None for an order without a wallet."""
    if wallet_address is None:
        log.info("order %s (%s) has no wallet: nothing to analyse", order_id, product)
        return None
    existing = await uow.analyses.for_order(order_id)
    if existing is not None:
        log.info("order %s has analysis %s already; order.paid ignored", order_id, existing.id)
        return existing
    analysis, jobs = plan_analysis(
        order_id=order_id,
        user_id=user_id,
        wallet_address=wallet_address,
        product=product,
        reports=reports,
        now=now,
    )
    await uow.analyses.add(analysis)
    for job in jobs:
        await uow.jobs.add(job)
    intake = await uow.intake.get()
    if intake.paused:
        log.warning(
            "order %s: analysis %s recorded; it waits, intake is paused (%s)",
            order_id,
            analysis.id,
            intake.reason,
        )
        return analysis
    # Inserted by this transaction: no one else sees them, no lock to take.
    await send_waiting(uow, Run(analysis, jobs), now=now)
    return analysis


async def order_status_changed(
    uow: DuneRunnerUnitOfWorkPort,
    *,
    order_id: uuid.UUID,
    from_status: str,
    to_status: str,
    reason: str,
    now: datetime,
) -> list[QueryJob]:
    """A re-open re-runs the run's failed jobs; returns them (empty: nothing re-run)."""
    if not is_reopen(from_status, to_status):
        return []
    run = await locked_run_for_order(uow, order_id)
    if run is None:
        log.info("order %s re-opened but has no analysis here; ignored", order_id)
        return []
    if run.analysis.is_open:
        log.info("order %s re-opened while analysis %s is open; ignored", order_id, run.analysis.id)
        return []
    again = [job for job in run.jobs if job.is_failed or job.status is JobStatus.ABANDONED]
    if not again:
        # Nothing failed here (orders gave up on its own while we finished): say how it
        # finished again, or the order would wait in payment_received for ever.
        finish = run.analysis.announce(run.jobs, now=now)
        await uow.emit(
            messages.analysis_finished(finish, await uow.files.for_analysis(run.analysis.id))
        )
        return []
    run.analysis.reopen(now=now)
    why = f"order re-opened: {reason}" if reason.strip() else "order re-opened"
    for job in again:
        job.retry(by=ORDER_REOPENED, reason=why, now=now)
    intake = await uow.intake.get()
    if intake.paused:
        await save(uow, run, again)
        log.warning("order %s re-opened; its jobs wait, intake is paused", order_id)
        return again
    await send_waiting(uow, run, now=now)
    return again


async def release_waiting(uow: DuneRunnerUnitOfWorkPort, *, now: datetime, limit: int = 20) -> int:
    """Intake open: send the waiting jobs of up to `limit` runs (oldest first); returns
    how many jobs were sent. Paused: nothing."""
    intake = await uow.intake.get()
    if intake.paused:
        return 0
    sent = 0
    for analysis_id in await uow.jobs.analyses_with_waiting_jobs(limit=limit):
        run = await locked_run(uow, analysis_id)
        if not run.analysis.is_open:  # cannot have waiting jobs; belt and braces
            continue
        sent += len(await send_waiting(uow, run, now=now))
    return sent


def specs_from_catalog(
    reports: Sequence[ReportQuery], query_ids: Mapping[str, int]
) -> tuple[ReportSpec, ...]:
    """ReportSpecs from the queries catalog (`queries.load_reports()`) and the Dune query id
    of each report (from the sync / settings): the wallet goes in `wallet_address`, every
    other parameter takes its default. A report with no query id, no wallet parameter, or
    another parameter without a default stops the service at start (ValueError)."""
    specs = []
    for report in reports:
        if report.name not in query_ids:
            raise ValueError(f"report {report.name!r} has no Dune query id configured")
        if WALLET_PARAMETER not in report.parameter_names:
            raise ValueError(f"report {report.name!r} takes no {WALLET_PARAMETER} parameter")
        fixed: dict[str, str] = {}
        for parameter in report.parameters:
            if parameter.name == WALLET_PARAMETER:
                continue
            if parameter.default is None:
                raise ValueError(
                    f"report {report.name!r}: parameter {parameter.name!r} has no value"
                )
            fixed[parameter.name] = parameter.default
        specs.append(
            ReportSpec(
                name=report.name,
                query_id=query_ids[report.name],
                output_file=report.output_file,
                parameters=MappingProxyType(fixed),
                wallet_parameter=WALLET_PARAMETER,
            )
        )
    return check_reports(specs)
