"""What the dune_runner API answers, as OpenAPI models: web and the staff console are
clients of these. Credits and USD as decimal strings ("12.5", never a float), ids as
UUIDs, times in ISO 8601."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from ...domain import AnalysisOutcome, AnalysisStatus, BudgetPeriod, ErrorType, JobStatus

Decimals = Annotated[
    Decimal,
    PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json"),
    WithJsonSchema(
        {"type": "string", "format": "decimal", "examples": ["12.5"]}, mode="serialization"
    ),
]
Time = Annotated[
    datetime,
    PlainSerializer(datetime.isoformat, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
]


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Page(_Answer):
    total: int = Field(description="items matching, over all pages")
    limit: int
    offset: int


# --- web's view of an order's analysis -------------------------------------------


class Job(_Answer):
    """One report's Dune query in the run."""

    job_id: uuid.UUID
    query_name: str
    status: JobStatus
    error_type: ErrorType | None
    error_message: str | None
    retry_count: int = Field(description="staff retries and re-opens so far")
    execution_id: str | None = Field(description="the current attempt's Dune execution")
    row_count: int | None
    finished_at: Time | None


class File(_Answer):
    """A stored report CSV; its bytes at `url` (GET /v1/files/{file_id})."""

    file_id: uuid.UUID
    query_name: str
    name: str
    size: int = Field(description="bytes")
    sha256: str
    rows: int
    partial: bool = Field(description="Dune cut the result short")
    url: str


class Counterparty(_Answer):
    address: str
    volume_usd: str = Field(description="decimal string")
    rows: int


class Summary(_Answer):
    """The report bundle's summary (also in the bundle as summary.json)."""

    rows_per_report: dict[str, int]
    total_rows: int
    total_volume_usd: str = Field(description="sum of absolute USD amounts, decimal string")
    volume_usd_by_month: dict[str, str] = Field(description="YYYY-MM (UTC) -> USD")
    volume_usd_by_token: dict[str, str]
    top_counterparties: list[Counterparty]
    first_activity: str | None = Field(description="ISO 8601 UTC")
    last_activity: str | None = Field(description="ISO 8601 UTC")
    unreadable_values: dict[str, int] = Field(description='"<report>.<column>" -> cells')


class Analysis(_Answer):
    analysis_id: uuid.UUID
    order_id: uuid.UUID
    user_id: uuid.UUID
    wallet_address: str
    product: str
    status: AnalysisStatus = Field(description="waiting, running, finished")
    outcome: AnalysisOutcome | None = Field(description="once finished")
    created_at: Time
    started_at: Time | None
    finished_at: Time | None
    jobs: list[Job] = Field(description="in the catalog's order")
    files: list[File] = Field(description="the stored CSVs, in the jobs' order")
    summary: Summary | None = Field(description="once the report bundle is built")
    bundle_file_id: uuid.UUID | None = Field(description="the zip of every CSV + summary.json")
    summary_file_id: uuid.UUID | None = Field(description="summary.json on its own")


# --- the staff console -------------------------------------------------------------


class RunSummary(_Answer):
    analysis_id: uuid.UUID
    order_id: uuid.UUID
    user_id: uuid.UUID
    wallet_address: str
    product: str
    status: AnalysisStatus
    outcome: AnalysisOutcome | None
    runs: int = Field(description="times the run was started (a re-open starts it again)")
    created_at: Time
    started_at: Time | None
    finished_at: Time | None
    given_up_by: str | None
    given_up_reason: str | None


class RunsPage(_Page):
    items: list[RunSummary] = Field(description="newest first")


class HistoryEntry(_Answer):
    from_status: JobStatus
    to_status: JobStatus
    at: Time
    actor: str = Field(description='"system", "staff:<email>" or "orders:reopen"')
    reason: str


class RetryEntry(_Answer):
    number: int
    at: Time
    by: str
    reason: str
    from_status: JobStatus
    error_type: ErrorType | None
    error_message: str | None
    execution_id: str | None


class ExecuteEntry(_Answer):
    """One execute sent to Dune (the audit log)."""

    attempt: int
    sent_at: Time
    answered_at: Time | None
    outcome: str = Field(description="sending, accepted, refused, in_doubt")
    execution_id: str | None
    error: str | None
    credits: Decimals | None = Field(description="once the execution ended")
    ended_at: Time | None


class AdminJob(Job):
    analysis_id: uuid.UUID
    order_id: uuid.UUID
    query_id: int
    attempt: int
    partial: bool
    accepted_at: Time | None
    deadline_at: Time | None
    polls: int
    last_poll_error: str | None
    created_at: Time


class AdminJobDetail(AdminJob):
    history: list[HistoryEntry] = Field(description="oldest first")
    retries: list[RetryEntry] = Field(description="oldest first")
    executes: list[ExecuteEntry] = Field(description="oldest first")
    credits: Decimals = Field(description="credits of its executions so far")


class AdminRun(RunSummary):
    jobs: list[AdminJobDetail]
    files: list[File]
    credits: Decimals = Field(description="credits of the run's executions so far")
    summary: Summary | None
    bundle_file_id: uuid.UUID | None
    summary_file_id: uuid.UUID | None


class JobsPage(_Page):
    items: list[AdminJob] = Field(description="most recently changed first")


class CreditsDay(_Answer):
    day: date
    credits: Decimals
    executions: int


class Ledger(_Answer):
    days: int
    start: Time
    end: Time
    total_credits: Decimals
    total_executions: int
    by_day: list[CreditsDay] = Field(description="every UTC day, oldest first")


class Intake(_Answer):
    paused: bool
    reason: str
    changed_at: Time | None
    changed_by: str


class BudgetPeriodUse(_Answer):
    period: BudgetPeriod
    start: Time
    end: Time
    used: Decimals
    budget: Decimals | None = Field(description="null: no budget for this period")
    used_percent: Decimals | None
    thresholds: list[int]
    announced: list[int] = Field(description="thresholds already announced this period")


class Budget(_Answer):
    periods: list[BudgetPeriodUse]
    intake: Intake


class JobActionResult(_Answer):
    changed: bool
    job: AdminJobDetail


class JobsActionResult(_Answer):
    changed: bool
    jobs: list[AdminJobDetail]


class RunActionResult(_Answer):
    changed: bool
    run: AdminRun


class IntakeActionResult(_Answer):
    changed: bool
    intake: Intake
