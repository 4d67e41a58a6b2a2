"""What the use cases need from storage and from the outside, as protocols: the ports the
adapters implement (and tests/unit/fakes.py too, so a type checker holds both to one shape).

Locks, and their order (every use case takes them in this order, so two transactions
never wait on each other in a circle): the analysis row (`analyses.get(..., lock=True)`,
which also stands for its jobs: whoever changes a job holds its analysis), then its jobs,
then the intake row (`intake.get(lock=True)`: it also serialises budget checks, so two
executions ending at once cannot both miss a threshold), then ledger and alerts. Lists
that hand out work (`jobs.due_for_poll`) skip locked rows rather than wait.

Dune and storage are reached outside any transaction (`DuneQueriesPort`, `ResultStorePort`):
the poll claims its jobs in one short transaction, calls out, and records in another.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterable, AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from walletreports.contracts import Event

from ..domain import (
    AnalysisRun,
    BudgetPeriod,
    ExecutionStatus,
    HttpRefusal,
    Intake,
    LedgerEntry,
    NoAnswer,
    QueryJob,
    ReportFile,
)

__all__ = [
    "AnalysisRepositoryPort",
    "BudgetAlertsPort",
    "CreditLedgerPort",
    "DuneCallFailed",
    "DuneQueriesPort",
    "DuneRunnerUnitOfWorkPort",
    "IntakePort",
    "JobRepositoryPort",
    "ReportFileRepositoryPort",
    "ResultStorePort",
    "StoredFile",
    "UnitsPort",
]


class AnalysisRepositoryPort(Protocol):
    async def add(self, analysis: AnalysisRun) -> None:
        """Store a new run. One per order: a second run for an order is an IntegrityError
        (UNIQUE order_id), which the consumer retries and then finds the first."""

    async def get(self, analysis_id: uuid.UUID, *, lock: bool = False) -> AnalysisRun | None:
        """The run, or None; `lock` holds it (and so its jobs) until commit."""

    async def for_order(self, order_id: uuid.UUID, *, lock: bool = False) -> AnalysisRun | None:
        """The order's run (at most one), or None."""

    async def save(self, analysis: AnalysisRun) -> None:
        """Write a run loaded with `get` / `for_order` (or added)."""


class JobRepositoryPort(Protocol):
    async def add(self, job: QueryJob) -> None:
        """Store a new job (UNIQUE id; (analysis_id, query_name) unique too)."""

    async def get(self, job_id: uuid.UUID) -> QueryJob | None:
        """The job, unlocked: to find its analysis, or to read it. Not to be saved: load
        it again with `for_analysis` under the analysis's lock to change it."""

    async def for_analysis(self, analysis_id: uuid.UUID, *, lock: bool = False) -> list[QueryJob]:
        """The run's jobs with their retry records and history, by `position`."""

    async def due_for_poll(self, now: datetime, *, limit: int) -> list[QueryJob]:
        """Jobs executing whose next_poll_at <= now, earliest first, locked FOR UPDATE
        SKIP LOCKED (another poller's are left alone)."""

    async def analyses_with_waiting_jobs(self, *, limit: int) -> list[uuid.UUID]:
        """Ids of runs that have a waiting job, oldest job first; not locked."""

    async def save(self, job: QueryJob) -> None:
        """Write a job loaded with `for_analysis` / `due_for_poll` (or added), with its new
        retry records and history entries (append-only)."""


class ReportFileRepositoryPort(Protocol):
    async def add(self, file: ReportFile) -> None:
        """Store a report file (UNIQUE job_id: a completed job has one file)."""

    async def for_analysis(self, analysis_id: uuid.UUID) -> list[ReportFile]:
        """The run's files, in the order of their jobs' positions."""


class CreditLedgerPort(Protocol):
    async def add(self, entry: LedgerEntry) -> bool:
        """Record the entry; False (nothing written) if its execution has one already."""

    async def used_between(self, start: datetime, end: datetime) -> Decimal:
        """Credits of the entries recorded in [start, end); Decimal(0) when none."""


class BudgetAlertsPort(Protocol):
    async def announced(self, period: BudgetPeriod, period_start: datetime) -> set[int]:
        """Thresholds already announced for this period."""

    async def record(
        self,
        *,
        period: BudgetPeriod,
        period_start: datetime,
        threshold: int,
        used: Decimal,
        budget: Decimal,
        at: datetime,
    ) -> bool:
        """Note the threshold announced (UNIQUE period, period_start, threshold); False
        if it was already."""


class IntakePort(Protocol):
    async def get(self, *, lock: bool = False) -> Intake:
        """The switch (one row; open when never set); `lock` holds it until commit."""

    async def save(self, intake: Intake) -> None:
        """Write the switch."""


class DuneRunnerUnitOfWorkPort(Protocol):
    """One transaction: what the use cases change, the events to publish and the side
    effects to perform if, and only if, it commits."""

    @property
    def analyses(self) -> AnalysisRepositoryPort: ...

    @property
    def jobs(self) -> JobRepositoryPort: ...

    @property
    def files(self) -> ReportFileRepositoryPort: ...

    @property
    def ledger(self) -> CreditLedgerPort: ...

    @property
    def alerts(self) -> BudgetAlertsPort: ...

    @property
    def intake(self) -> IntakePort: ...

    async def emit(self, *events: Event) -> None:
        """Publish these events if, and only if, this transaction commits."""

    async def request_effect(
        self, kind: str, key: str, payload: dict[str, Any], *, correlation_id: str | None = None
    ) -> bool:
        """Perform the side effect once after commit (kit.effects); True when new."""


class UnitsPort(Protocol):
    """Opens units of work: `async with units() as uow` commits at the end of the block
    (the kit's `UnitsOfWork`)."""

    def __call__(self) -> AbstractAsyncContextManager[DuneRunnerUnitOfWorkPort]: ...


# --- the outside -----------------------------------------------------------------------


class DuneCallFailed(Exception):
    """A status or results GET failed after the adapter's own retries (GETs may be
    retried; an execute never is). `problem` is what it got, for `classify`."""

    def __init__(self, problem: HttpRefusal | NoAnswer) -> None:
        super().__init__(f"{type(problem).__name__}: {problem}")
        self.problem = problem


class DuneQueriesPort(Protocol):
    """Dune's read side, for polling. Executes go through the `dune.execute` effect."""

    async def status(self, execution_id: str) -> ExecutionStatus:
        """GET /execution/{id}/status; raises DuneCallFailed."""

    def results_csv(self, execution_id: str) -> AsyncIterator[bytes]:
        """GET /execution/{id}/results/csv, every page (following `x-dune-next-uri` /
        `next_offset`), as the CSV's bytes: one header row, then every page's rows.
        Raises DuneCallFailed while iterating."""


@dataclass(frozen=True, slots=True)
class StoredFile:
    size_bytes: int
    sha256: str  # hex of the bytes stored


class ResultStorePort(Protocol):
    async def write(self, path: str, chunks: AsyncIterable[bytes]) -> StoredFile:
        """Store the bytes at `path` (a key under the storage root, from `report_path`),
        replacing what was there only once all of it is written (a temporary file and a
        rename): a failed download never leaves half a report. Hashes while writing."""
