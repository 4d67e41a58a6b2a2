"""Request bodies and query values of the staff console's routes (and the user's payment
history): unknown fields refused, every string bounded, text that reaches the database
free of NUL, so a bad value is a 422 naming the field before anything runs.

Every rule is in the OpenAPI too, written the way the validator checks it (the same
rules as orders' schemas: a client generating requests from the schema sends what is
accepted).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import Query
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
    WithJsonSchema,
)

from walletreports.kit.http.text import (
    Email,
    NotBlank,
    Trimmed,
)

Reason = Annotated[str, StringConstraints(max_length=500), NotBlank, Trimmed]
SearchText = Annotated[str, StringConstraints(max_length=200), NotBlank, Trimmed]

# Dates and times as the console sends them. The shape is checked before parsing:
# pydantic alone would read "0.5" as a Unix time.
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_DATE_TIME = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})?$"
)


def _date_text(value: object) -> object:
    if not isinstance(value, str) or _DATE.match(value) is None:
        raise ValueError("must be a date like 2026-02-01")
    return value


def _date_time_text(value: object) -> object:
    if not isinstance(value, str) or _DATE_TIME.match(value) is None:
        raise ValueError("must be a date-time like 2026-02-01T00:00:00Z")
    return value


QueryDate = Annotated[
    date, BeforeValidator(_date_text), WithJsonSchema({"type": "string", "format": "date"})
]


def _in_utc(value: datetime) -> datetime:
    # Without an offset it is read as UTC. In UTC it must still be a date the database
    # (and Python) can hold: 9999-12-31T23:00:00-05:00 is not.
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("must be between the years 1 and 9999 in UTC") from None


QueryTime = Annotated[
    datetime,
    BeforeValidator(_date_time_text),
    AfterValidator(_in_utc),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]

Limit = Annotated[int, Query(ge=1, le=100, description="page size, 1 to 100")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="items to skip")]


def start_of(day: date) -> datetime:
    """The first instant of `day` in UTC, the console's clock."""
    return datetime.combine(day, time(), tzinfo=UTC)


def end_of(day: date) -> datetime:
    """The first instant after `day` in UTC (an exclusive bound); the last day has none."""
    return start_of(day) + timedelta(days=1) if day < date.max else datetime.max.replace(tzinfo=UTC)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StaffDecisionBody(_Body):
    staff_email: Email
    reason: Reason
