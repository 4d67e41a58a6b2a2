"""Request bodies and query values of the staff console's routes: unknown fields refused,
every string bounded, text that reaches the database free of NUL, so a bad value is a
422 naming the field before anything runs. Every rule is in the OpenAPI too, written the
way the validator checks it (the same rules as payments' and orders' schemas).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import Query
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
    WithJsonSchema,
)

from walletreports.kit.http.text import (
    Email,
    Matching,
    NotBlank,
    Trimmed,
)

Reason = Annotated[str, StringConstraints(max_length=500), NotBlank, Trimmed]
SearchText = Annotated[str, StringConstraints(max_length=200), NotBlank, Trimmed]
# Dune's execution ids are ULID-like (01HV...): letters, digits, '-' and '_'.
ExecutionId = Annotated[
    str,
    StringConstraints(max_length=100),
    Matching(r"^[A-Za-z0-9_-]+$", "must be a Dune execution id (letters, digits, '-', '_')"),
]

_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _date_text(value: object) -> object:
    if not isinstance(value, str) or _DATE.match(value) is None:
        raise ValueError("must be a date like 2026-02-01")
    return value


QueryDate = Annotated[
    date, BeforeValidator(_date_text), WithJsonSchema({"type": "string", "format": "date"})
]

Limit = Annotated[int, Query(ge=1, le=100, description="page size, 1 to 100")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="items to skip")]


def start_of(day: date) -> datetime:
    """The first instant of `day` in UTC, the console's clock."""
    return datetime.combine(day, time(), tzinfo=UTC)


def end_of(day: date) -> datetime:
    """The first instant after `day` in UTC (an exclusive bound)."""
    return start_of(day) + timedelta(days=1) if day < date.max else datetime.max.replace(tzinfo=UTC)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StaffActionBody(_Body):
    staff_email: Email
    reason: Reason


class AttachExecutionBody(StaffActionBody):
    execution_id: ExecutionId
