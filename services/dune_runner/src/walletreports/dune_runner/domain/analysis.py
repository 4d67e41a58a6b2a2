"""The analysis run: the work one paid order asks for, one query job per configured report.

    (order.paid with a wallet) --plan--> waiting
    waiting --start (intake open; its jobs submitted)--> running
    running --every job terminal (settle)--> finished: completed | partial | failed
    running | waiting --staff give up--> finished: failed (open jobs abandoned)
    finished (partial | failed) --the order re-opened by staff--> waiting --> running ...

- One run per order, ever: the ids are derived from the order id (uuid5), so planning the
  same order twice plans the same run and jobs, and the repository's unique order id
  holds it to one. A duplicate `order.paid` finds the run and does nothing.
- Outcome: completed when every job completed; partial when some did (the user gets the
  good files while staff look at the rest); failed when none did, or staff gave up.
- While intake is paused a run is recorded and waits (its jobs request no execute); it
  starts, with `analysis.started`, when intake resumes. So an order's "processing" means
  Dune is being asked, not that it is queued behind a paused budget.

`now` is always passed in; the analysis is handed its jobs (they are their own rows).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType

from .errors import AnalysisFinishedAlready, InvalidReportFileName, InvalidWalletAddress
from .job import JobStatus, QueryJob
from .paths import check_file_name

__all__ = [
    "ID_NAMESPACE",
    "AnalysisFinish",
    "AnalysisOutcome",
    "AnalysisRun",
    "AnalysisStatus",
    "ReportSpec",
    "check_reports",
    "check_wallet_address",
    "is_reopen",
    "outcome_for",
    "plan_analysis",
]

# uuid5 namespace of analysis ids (analysis id = uuid5(ID_NAMESPACE, "analysis:<order id>"),
# job id = uuid5(analysis id, report name)). Never change it: ids of stored runs hang on it.
ID_NAMESPACE = uuid.UUID("5f0b7c52-6f4e-4d0a-9f55-2b8f6f1d9a61")

_EVM_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


class AnalysisStatus(StrEnum):
    WAITING = "waiting"
    RUNNING = "running"
    FINISHED = "finished"


class AnalysisOutcome(StrEnum):
    """Values match `AnalysisFinished.outcome` in the contracts."""

    COMPLETED = "completed"
    PARTIAL = "partial"
    FAILED = "failed"


@dataclass(frozen=True)
class ReportSpec:
    """One configured report as a job needs it: the report's name, its saved query on
    Dune, its CSV file name, and its parameters other than the wallet (defaults)."""

    name: str
    query_id: int
    output_file: str
    parameters: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    wallet_parameter: str = "wallet_address"

    def __post_init__(self) -> None:
        if not self.name or not self.name.strip():
            raise ValueError("a report needs a name")
        if isinstance(self.query_id, bool) or not isinstance(self.query_id, int):
            raise ValueError(f"report {self.name!r}: the Dune query id must be an int")
        if self.query_id <= 0:
            raise ValueError(f"report {self.name!r}: no Dune query id configured")
        try:
            check_file_name(self.output_file)
        except InvalidReportFileName as error:  # configuration: stops the start
            raise ValueError(f"report {self.name!r}: {error}") from None
        if not self.wallet_parameter:
            raise ValueError(f"report {self.name!r}: it needs the wallet's parameter")
        if self.wallet_parameter in self.parameters:
            raise ValueError(
                f"report {self.name!r}: {self.wallet_parameter!r} is the order's wallet, "
                "never a configured value"
            )

    def parameters_for(self, wallet_address: str) -> dict[str, str]:
        return {**self.parameters, self.wallet_parameter: wallet_address}


def check_reports(reports: Sequence[ReportSpec]) -> tuple[ReportSpec, ...]:
    """The pre-flight of the configuration: at least one report, names and files unique."""
    if not reports:
        raise ValueError("no report is configured")
    for what, values in (
        ("name", [r.name for r in reports]),
        ("output file", [r.output_file for r in reports]),
    ):
        if len(set(values)) != len(values):
            raise ValueError(f"two reports share a {what}: {sorted(values)}")
    return tuple(reports)


def check_wallet_address(address: str) -> str:
    """Pre-flight: only an EVM address goes into a paid query (orders checked its EIP-55
    checksum; this refuses anything that is not one at all)."""
    if not _EVM_ADDRESS.fullmatch(address):
        raise InvalidWalletAddress(address)
    return address


def is_reopen(from_status: str, to_status: str) -> bool:
    """Is this `order.status_changed` staff re-opening a finished order for a retry?
    (orders: partial_complete | failed --reopen_for_retry--> payment_received)"""
    return from_status in ("failed", "partial_complete") and to_status == "payment_received"


@dataclass(frozen=True, slots=True)
class AnalysisFinish:
    """The run finished: what `analysis.finished` says."""

    analysis_id: uuid.UUID
    order_id: uuid.UUID
    user_id: uuid.UUID
    outcome: AnalysisOutcome
    completed_job_ids: tuple[uuid.UUID, ...]
    failed_queries: tuple[str, ...]
    at: datetime


def outcome_for(jobs: Sequence[QueryJob]) -> AnalysisOutcome:
    completed = sum(job.status is JobStatus.COMPLETED for job in jobs)
    if jobs and completed == len(jobs):
        return AnalysisOutcome.COMPLETED
    return AnalysisOutcome.PARTIAL if completed else AnalysisOutcome.FAILED


@dataclass(eq=False)
class AnalysisRun:
    id: uuid.UUID
    order_id: uuid.UUID
    user_id: uuid.UUID
    wallet_address: str
    product: str
    created_at: datetime
    status: AnalysisStatus = AnalysisStatus.WAITING
    outcome: AnalysisOutcome | None = None
    # How many times it started: 1, plus one per re-open that ran again.
    runs: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    given_up_by: str | None = None
    given_up_reason: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status is not AnalysisStatus.FINISHED

    def start(self, *, now: datetime) -> bool:
        """waiting -> running; False if it was running already (nothing to announce)."""
        if self.status is AnalysisStatus.RUNNING:
            return False
        if self.status is not AnalysisStatus.WAITING:
            raise AnalysisFinishedAlready(self.order_id, str(self.outcome))
        self.status, self.started_at, self.runs = AnalysisStatus.RUNNING, now, self.runs + 1
        return True

    def settle(self, jobs: Sequence[QueryJob], *, now: datetime) -> AnalysisFinish | None:
        """Finish it once every job is terminal; None while any is not (or not running)."""
        if self.status is not AnalysisStatus.RUNNING or not all(j.is_terminal for j in jobs):
            return None
        return self._finish(jobs, outcome_for(jobs), now)

    def give_up(
        self, jobs: Sequence[QueryJob], *, by: str, reason: str, now: datetime
    ) -> AnalysisFinish | None:
        """Staff's "mark as permanent failure": open jobs are abandoned and the run ends
        failed (payments refunds on that). None if it had already ended failed."""
        if self.status is AnalysisStatus.FINISHED:
            if self.outcome is AnalysisOutcome.FAILED:
                return None
            raise AnalysisFinishedAlready(
                self.order_id,
                str(self.outcome),
                hint="the user has reports; refund in payments if that is the decision",
            )
        for job in jobs:
            job.abandon(by=by, reason=reason, now=now)
        self.given_up_by, self.given_up_reason = by, reason
        return self._finish(jobs, AnalysisOutcome.FAILED, now)

    def announce(self, jobs: Sequence[QueryJob], *, now: datetime) -> AnalysisFinish:
        """The finish again, as it stands (orders re-opened an order with nothing to
        re-run: it must hear the outcome again to move on)."""
        if self.status is not AnalysisStatus.FINISHED or self.outcome is None:
            raise ValueError(
                f"analysis {self.id} is {self.status}; only a finished one is announced"
            )
        return self._record(jobs, self.outcome, now)

    def reopen(self, *, now: datetime) -> None:
        """Back to waiting for its retried jobs (the caller starts it if intake is open)."""
        if self.status is not AnalysisStatus.FINISHED:
            raise ValueError(f"analysis {self.id} is {self.status}; only a finished one re-opens")
        self.status, self.outcome, self.finished_at = AnalysisStatus.WAITING, None, None
        self.given_up_by = self.given_up_reason = None

    def _finish(
        self, jobs: Sequence[QueryJob], outcome: AnalysisOutcome, now: datetime
    ) -> AnalysisFinish:
        self.status, self.outcome, self.finished_at = AnalysisStatus.FINISHED, outcome, now
        return self._record(jobs, outcome, now)

    def _record(
        self, jobs: Sequence[QueryJob], outcome: AnalysisOutcome, now: datetime
    ) -> AnalysisFinish:
        ordered = sorted(jobs, key=lambda j: j.position)
        return AnalysisFinish(
            analysis_id=self.id,
            order_id=self.order_id,
            user_id=self.user_id,
            outcome=outcome,
            completed_job_ids=tuple(j.id for j in ordered if j.status is JobStatus.COMPLETED),
            failed_queries=tuple(
                j.query_name for j in ordered if j.status is not JobStatus.COMPLETED
            ),
            at=now,
        )


def plan_analysis(
    *,
    order_id: uuid.UUID,
    user_id: uuid.UUID,
    wallet_address: str,
    product: str,
    reports: Sequence[ReportSpec],
    now: datetime,
) -> tuple[AnalysisRun, list[QueryJob]]:
    """The run and its jobs (all waiting) for a paid order; the same order always plans
    the same ids."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    wallet = check_wallet_address(wallet_address)
    specs = check_reports(reports)
    analysis_id = uuid.uuid5(ID_NAMESPACE, f"analysis:{order_id}")
    run = AnalysisRun(
        id=analysis_id,
        order_id=order_id,
        user_id=user_id,
        wallet_address=wallet,
        product=product,
        created_at=now,
    )
    jobs = [
        QueryJob(
            id=uuid.uuid5(analysis_id, spec.name),
            analysis_id=analysis_id,
            order_id=order_id,
            query_name=spec.name,
            query_id=spec.query_id,
            parameters=spec.parameters_for(wallet),
            output_file=spec.output_file,
            position=position,
            created_at=now,
        )
        for position, spec in enumerate(specs)
    ]
    return run, jobs
