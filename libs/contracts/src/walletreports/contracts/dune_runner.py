"""Events produced by the dune_runner service."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from .base import Event

ErrorType = Literal[
    "query_error", "auth_error", "invalid_query_id", "network_error", "rate_limit", "service_outage"
]
Credits = Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]


class ReportRef(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    query_name: str
    file_name: str
    size_bytes: int
    sha256: str


class AnalysisStarted(Event):
    subject = "dune_runner.analysis.started.v1"

    analysis_id: uuid.UUID
    order_id: uuid.UUID
    user_id: uuid.UUID
    queries: list[str]


class QueryCompleted(Event):
    subject = "dune_runner.query.completed.v1"

    analysis_id: uuid.UUID
    order_id: uuid.UUID
    job_id: uuid.UUID
    query_name: str
    execution_id: str
    row_count: int
    report: ReportRef
    credits_used: Credits


class QueryFailed(Event):
    subject = "dune_runner.query.failed.v1"

    analysis_id: uuid.UUID
    order_id: uuid.UUID
    job_id: uuid.UUID
    query_name: str
    error_type: ErrorType
    error_message: str
    retryable_by_staff: bool


class AnalysisFinished(Event):
    subject = "dune_runner.analysis.finished.v1"

    analysis_id: uuid.UUID
    order_id: uuid.UUID
    user_id: uuid.UUID
    outcome: Literal["completed", "partial", "failed"]
    reports: list[ReportRef]
    failed_queries: list[str]


class BudgetThresholdReached(Event):
    subject = "dune_runner.budget.threshold_reached.v1"

    period: Literal["daily", "weekly"]
    credits_used: Credits
    credits_budget: Credits
    threshold_percent: int


class IntakePaused(Event):
    subject = "dune_runner.intake.paused.v1"

    reason: str


class IntakeResumed(Event):
    subject = "dune_runner.intake.resumed.v1"

    reason: str
