"""In-memory stand-ins for the dune_runner unit of work, its repositories and the outside
(Dune's read side, the result store), so the use cases run in milliseconds.

They keep the real adapters' semantics where a use case could tell the difference:
- rows come back as copies (a change is stored only by `save`), and only a row loaded to
  be changed (`get(lock=...)`/`for_order`/`for_analysis`/`due_for_poll`, or added) may
  be saved; `jobs.get` is a read, not a load to save;
- one run per order, one job per (run, report), one file per job, one ledger entry per
  execution, one alert per (period, start, threshold): the UNIQUE constraints;
- retry records and history are append-only;
- `request_effect` is the kit's: (kind, key) once, the first payload stands;
- `due_for_poll` skips jobs "locked" by a test (`locked`), as SKIP LOCKED would.

`FakeUnitOfWork` (the kit's FakeUnitOfWorkBase) commits on a clean `async with` exit and
rolls back the repositories, the effects and the events on an exception.
"""

from __future__ import annotations

import copy
import hashlib
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from walletreports.devkit.testing.fake_unit_of_work import FakeUnitOfWorkBase
from walletreports.dune_runner.domain import (
    AnalysisRun,
    BudgetPeriod,
    ExecuteRequest,
    ExecutionStatus,
    Intake,
    JobStatus,
    LedgerEntry,
    QueryJob,
    ReportFile,
)
from walletreports.dune_runner.service_layer.ports import (
    DuneCallFailed,
    DuneQueriesPort,
    DuneRunnerUnitOfWorkPort,
    ResultStorePort,
    StoredFile,
    UnitsPort,
)


class FakeAnalysisRepository:
    def __init__(self) -> None:
        self._rows: dict[uuid.UUID, AnalysisRun] = {}
        self._loaded: set[uuid.UUID] = set()
        self.locks: list[uuid.UUID] = []

    async def add(self, analysis: AnalysisRun) -> None:
        for other in self._rows.values():
            if other.id == analysis.id:
                raise ValueError(f"analysis {analysis.id} exists (primary key)")
            if other.order_id == analysis.order_id:
                raise ValueError(f"order {analysis.order_id} has an analysis (unique)")
        self._rows[analysis.id] = copy.deepcopy(analysis)
        self._loaded.add(analysis.id)

    async def get(self, analysis_id: uuid.UUID, *, lock: bool = False) -> AnalysisRun | None:
        return self._load(self._rows.get(analysis_id), lock)

    async def for_order(self, order_id: uuid.UUID, *, lock: bool = False) -> AnalysisRun | None:
        row = next((a for a in self._rows.values() if a.order_id == order_id), None)
        return self._load(row, lock)

    async def save(self, analysis: AnalysisRun) -> None:
        if analysis.id not in self._loaded:
            raise ValueError(f"analysis {analysis.id} was not loaded in this unit of work")
        self._rows[analysis.id] = copy.deepcopy(analysis)

    # --- for tests -----------------------------------------------------------------

    def stored(self, analysis_id: uuid.UUID) -> AnalysisRun:
        return copy.deepcopy(self._rows[analysis_id])

    def all(self) -> list[AnalysisRun]:
        return [copy.deepcopy(a) for a in self._rows.values()]

    def _load(self, row: AnalysisRun | None, lock: bool) -> AnalysisRun | None:
        if row is None:
            return None
        self._loaded.add(row.id)
        if lock:
            self.locks.append(row.id)
        return copy.deepcopy(row)


class FakeJobRepository:
    def __init__(self) -> None:
        self._rows: dict[uuid.UUID, QueryJob] = {}
        self._loaded: set[uuid.UUID] = set()
        # Jobs another transaction holds: due_for_poll skips them (SKIP LOCKED).
        self.locked: set[uuid.UUID] = set()

    async def add(self, job: QueryJob) -> None:
        for other in self._rows.values():
            if other.id == job.id:
                raise ValueError(f"job {job.id} exists (primary key)")
            if (other.analysis_id, other.query_name) == (job.analysis_id, job.query_name):
                raise ValueError(f"analysis {job.analysis_id} has a {job.query_name} job (unique)")
        self._rows[job.id] = copy.deepcopy(job)
        self._loaded.add(job.id)

    async def get(self, job_id: uuid.UUID) -> QueryJob | None:
        row = self._rows.get(job_id)
        return None if row is None else copy.deepcopy(row)  # a read: not to be saved

    async def for_analysis(self, analysis_id: uuid.UUID, *, lock: bool = False) -> list[QueryJob]:
        rows = sorted(
            (j for j in self._rows.values() if j.analysis_id == analysis_id),
            key=lambda j: j.position,
        )
        return [self._load(j) for j in rows]

    async def due_for_poll(self, now: datetime, *, limit: int) -> list[QueryJob]:
        due = [
            j
            for j in self._rows.values()
            if j.status is JobStatus.EXECUTING
            and j.next_poll_at is not None
            and j.next_poll_at <= now
            and j.id not in self.locked
        ]
        due.sort(key=lambda j: (j.next_poll_at or now, j.id))
        return [self._load(j) for j in due[:limit]]

    async def analyses_with_waiting_jobs(self, *, limit: int) -> list[uuid.UUID]:
        oldest: dict[uuid.UUID, datetime] = {}
        for job in self._rows.values():
            if job.status is JobStatus.WAITING:
                seen = oldest.get(job.analysis_id)
                oldest[job.analysis_id] = (
                    job.created_at if seen is None else min(seen, job.created_at)
                )
        return [a for a, _ in sorted(oldest.items(), key=lambda kv: (kv[1], kv[0]))][:limit]

    async def save(self, job: QueryJob) -> None:
        if job.id not in self._loaded:
            raise ValueError(f"job {job.id} was not loaded in this unit of work")
        before = self._rows[job.id]
        for name in ("retries", "history"):
            old, new = getattr(before, name), getattr(job, name)
            if new[: len(old)] != old:
                raise AssertionError(f"job {job.id}: saved {name} rewrites stored {name}")
        self._rows[job.id] = copy.deepcopy(job)

    # --- for tests -----------------------------------------------------------------

    def stored(self, job_id: uuid.UUID) -> QueryJob:
        return copy.deepcopy(self._rows[job_id])

    def of(self, analysis_id: uuid.UUID) -> list[QueryJob]:
        rows = [j for j in self._rows.values() if j.analysis_id == analysis_id]
        return [copy.deepcopy(j) for j in sorted(rows, key=lambda j: j.position)]

    def named(self, query_name: str) -> QueryJob:
        (job,) = [j for j in self._rows.values() if j.query_name == query_name]
        return copy.deepcopy(job)

    def all(self) -> list[QueryJob]:
        return [copy.deepcopy(j) for j in self._rows.values()]

    def committed_elsewhere(self, job: QueryJob) -> None:
        """What another transaction wrote meanwhile (a staff action during a poll)."""
        self._rows[job.id] = copy.deepcopy(job)

    def _load(self, row: QueryJob) -> QueryJob:
        self._loaded.add(row.id)
        return copy.deepcopy(row)


class FakeReportFileRepository:
    def __init__(self) -> None:
        self.rows: list[ReportFile] = []

    async def add(self, file: ReportFile) -> None:
        if any(f.job_id == file.job_id for f in self.rows):
            raise ValueError(f"job {file.job_id} has a file (unique)")
        self.rows.append(file)

    async def for_analysis(self, analysis_id: uuid.UUID) -> list[ReportFile]:
        return [f for f in self.rows if f.analysis_id == analysis_id]


class FakeCreditLedger:
    def __init__(self) -> None:
        self.entries: dict[str, LedgerEntry] = {}

    async def add(self, entry: LedgerEntry) -> bool:
        if entry.execution_id in self.entries:
            return False
        self.entries[entry.execution_id] = entry
        return True

    async def used_between(self, start: datetime, end: datetime) -> Decimal:
        return sum(
            (e.credits for e in self.entries.values() if start <= e.recorded_at < end), Decimal(0)
        )


@dataclass(frozen=True)
class Alert:
    period: BudgetPeriod
    period_start: datetime
    threshold: int
    used: Decimal
    budget: Decimal
    at: datetime


class FakeBudgetAlerts:
    def __init__(self) -> None:
        self.rows: list[Alert] = []

    async def announced(self, period: BudgetPeriod, period_start: datetime) -> set[int]:
        return {
            a.threshold for a in self.rows if (a.period, a.period_start) == (period, period_start)
        }

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
        if threshold in await self.announced(period, period_start):
            return False
        self.rows.append(Alert(period, period_start, threshold, used, budget, at))
        return True


class FakeIntake:
    def __init__(self, intake: Intake | None = None) -> None:
        self.row = intake or Intake()
        self.locks = 0

    async def get(self, *, lock: bool = False) -> Intake:
        self.locks += lock
        return copy.deepcopy(self.row)

    async def save(self, intake: Intake) -> None:
        self.row = copy.deepcopy(intake)


@dataclass(frozen=True)
class EffectRequest:
    kind: str
    key: str
    payload: dict[str, Any]
    correlation_id: str | None


class FakeEffects:
    """The side_effects table as request_effect sees it: (kind, key) once."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], EffectRequest] = {}
        self.requests: list[EffectRequest] = []  # every call, new or not

    def request(
        self, kind: str, key: str, payload: dict[str, Any], correlation_id: str | None
    ) -> bool:
        request = EffectRequest(kind, key, copy.deepcopy(payload), correlation_id)
        self.requests.append(request)
        if (kind, key) in self.rows:
            return False
        self.rows[(kind, key)] = request
        return True

    @property
    def keys(self) -> list[str]:
        return [key for _, key in self.rows]

    def executes(self) -> list[ExecuteRequest]:
        return [ExecuteRequest.from_payload(r.payload) for r in self.rows.values()]


class FakeUnitOfWork(FakeUnitOfWorkBase):
    def __init__(self, *, intake: Intake | None = None) -> None:
        super().__init__()
        self.analyses = FakeAnalysisRepository()
        self.jobs = FakeJobRepository()
        self.files = FakeReportFileRepository()
        self.ledger = FakeCreditLedger()
        self.alerts = FakeBudgetAlerts()
        self.intake = FakeIntake(intake)
        self.effects = FakeEffects()
        self.transactions = 0

    async def request_effect(
        self, kind: str, key: str, payload: dict[str, Any], *, correlation_id: str | None = None
    ) -> bool:
        return self.effects.request(kind, key, payload, correlation_id)

    async def __aenter__(self) -> FakeUnitOfWork:
        self.transactions += 1
        return await super().__aenter__()

    def _parts(self) -> list[object]:
        return [
            self.analyses,
            self.jobs,
            self.files,
            self.ledger,
            self.alerts,
            self.intake,
            self.effects,
        ]


class FakeUnits:
    """`units()`: the one fake unit of work, entered afresh each time."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.uow = uow

    def __call__(self) -> FakeUnitOfWork:
        return self.uow


# --- the outside -----------------------------------------------------------------------

Answer = ExecutionStatus | DuneCallFailed


class FakeDune:
    """Dune's read side, scripted: each execution answers its statuses in turn (the last
    one again once the script runs out); results are CSV byte chunks."""

    def __init__(self) -> None:
        self.statuses: dict[str, list[Answer]] = {}
        self.results: dict[str, list[bytes]] = {}
        self.result_failures: dict[str, DuneCallFailed] = {}
        self.status_calls: list[str] = []
        self.result_calls: list[str] = []
        # Called on each status request, before answering (to change the world meanwhile).
        self.on_status: Callable[[str], None] | None = None

    def script(self, execution_id: str, *answers: Answer) -> None:
        self.statuses[execution_id] = list(answers)

    async def status(self, execution_id: str) -> ExecutionStatus:
        self.status_calls.append(execution_id)
        if self.on_status is not None:
            self.on_status(execution_id)
        answers = self.statuses[execution_id]
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if isinstance(answer, DuneCallFailed):
            raise answer
        return answer

    async def results_csv(self, execution_id: str) -> AsyncIterator[bytes]:
        self.result_calls.append(execution_id)
        for chunk in self.results.get(execution_id, [b"a,b\n"]):
            yield chunk
        if execution_id in self.result_failures:
            raise self.result_failures[execution_id]


class FakeStore:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.fail_with: Exception | None = None

    async def write(self, path: str, chunks: AsyncIterable[bytes]) -> StoredFile:
        data = b""
        async for chunk in chunks:
            data += chunk
        if self.fail_with is not None:
            raise self.fail_with
        self.files[path] = data  # only once all of it is read: no half file
        return StoredFile(size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest())


# --- the fakes where the ports are expected (a type checker proves the shapes) --------


def as_port(uow: FakeUnitOfWork) -> DuneRunnerUnitOfWorkPort:
    return uow


def as_units(units: FakeUnits) -> UnitsPort:
    return units


def as_dune(dune: FakeDune) -> DuneQueriesPort:
    return dune


def as_store(store: FakeStore) -> ResultStorePort:
    return store


def ids(rows: Iterable[Any]) -> list[uuid.UUID]:
    return [row.id for row in rows]
