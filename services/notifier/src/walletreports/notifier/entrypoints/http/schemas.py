"""Request bodies, headers and query values: unknown fields refused, every string
bounded, text that reaches the database free of NUL, so a bad value is a 422 naming the
field before anything runs. Every rule is in the OpenAPI too, written the way the
validator checks it (kit.http.text)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from fastapi import Depends, Header, Query
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    WithJsonSchema,
)

from walletreports.kit import ApiError
from walletreports.kit.http.text import (
    SPACE_CLASS,
    Email,
    Matching,
    NotBlank,
    Trimmed,
)

# An http(s) URL with no white space or control character anywhere.
LINK_PATTERN = rf"^https?://[^{SPACE_CLASS}\u0000-\u001f\u007f]+$"

Reason = Annotated[str, StringConstraints(max_length=500), NotBlank, Trimmed]
Name = Annotated[str, StringConstraints(max_length=200), NotBlank, Trimmed]
Link = Annotated[
    str,
    StringConstraints(max_length=2000),
    Matching(LINK_PATTERN, "must be an http(s):// URL with no spaces"),
]
SearchText = Annotated[str, StringConstraints(max_length=254), NotBlank, Trimmed]
# Printable ASCII, as orders' Idempotency-Key.
IdempotencyKey = Annotated[
    str, StringConstraints(min_length=1, max_length=255, pattern=r"^[\x21-\x7e]+$")
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
    """The first instant after `day` in UTC (an exclusive bound); the last day has none."""
    return start_of(day) + timedelta(days=1) if day < date.max else datetime.max.replace(tzinfo=UTC)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ResendBody(_Body):
    staff_email: Email
    reason: Reason | None = None


class AccountMailVariables(_Body):
    link: Link = Field(
        description="the page with the one-time token, under NOTIFIER_PUBLIC_BASE_URL;"
        " sent, never stored or logged"
    )
    display_name: Name | None = Field(None, description="how to greet the recipient")
    expires_in_minutes: int | None = Field(
        None, ge=1, le=7 * 24 * 60, description="how long the link works, to say so"
    )


class AccountMailBody(_Body):
    template: Literal["email_verification", "password_reset"]
    to: Email
    variables: AccountMailVariables


_KEY = "Idempotency-Key"


def _idempotency_key(
    key: Annotated[IdempotencyKey | None, Header(alias=_KEY, include_in_schema=False)] = None,
) -> str:
    # Optional to FastAPI only so that a missing key gets its own answer (400, its own
    # code) rather than a generic 422; IDEMPOTENCY_KEY_HEADER documents it as required.
    if key is None:
        raise ApiError(
            400,
            "idempotency_key_missing",
            "the Idempotency-Key header is required (a unique value per message web sends)",
            field=_KEY,
        )
    return key


IdempotencyKeyDep = Annotated[str, Depends(_idempotency_key)]

IDEMPOTENCY_KEY_HEADER: dict[str, Any] = {
    "name": _KEY,
    "in": "header",
    "required": True,
    "description": (
        "A unique value per message: the same key replays the first outcome (nothing is"
        " sent twice), the same key with another template or recipient is refused (422)."
        " Kept as a SHA-256 hash."
    ),
    "schema": TypeAdapter(IdempotencyKey).json_schema(),
}
