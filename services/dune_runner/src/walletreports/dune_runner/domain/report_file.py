"""A report file: the CSV of one completed job, where it is stored and what it holds."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

__all__ = ["ReportFile"]


@dataclass(frozen=True, slots=True)
class ReportFile:
    job_id: uuid.UUID  # one file per job: a completed job is never re-run
    analysis_id: uuid.UUID
    order_id: uuid.UUID
    user_id: uuid.UUID
    query_name: str
    file_name: str
    path: str  # reports/{user_id}/{order_id}/{file_name}
    size_bytes: int
    sha256: str
    row_count: int
    partial: bool
    execution_id: str
    created_at: datetime
