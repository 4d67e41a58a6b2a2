"""Request bodies and query values: unknown fields refused, every string bounded, text
that reaches the database free of NUL, ids typed, so bad input is a 422 naming the field
before anything runs.

Every rule is in the OpenAPI too (a `pattern`, a length), written the way the validator
checks it: a client that generates requests from the schema sends what is accepted.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    WithJsonSchema,
)

from walletreports.contracts.orders import OrderStatus
from walletreports.kit.http.text import (
    Email,
    NoNul,
    NotBlank,
    Trimmed,
)

ProductCode = Annotated[str, StringConstraints(min_length=1, max_length=64), NoNul]
# The domain checks the address itself (hex, length, EIP-55); this only bounds the size.
WalletText = Annotated[str, StringConstraints(max_length=100)]
Reason = Annotated[str, StringConstraints(max_length=500), NotBlank, Trimmed]
SearchText = Annotated[str, StringConstraints(max_length=200), NotBlank, Trimmed]
# A date-time as the console sends it: RFC 3339, or without an offset (read as UTC). The
# shape is checked before parsing: pydantic alone would read "0.5" as a Unix time.
_DATE_TIME = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})?$"
)


def _date_time_text(value: object) -> object:
    if not isinstance(value, str) or _DATE_TIME.match(value) is None:
        raise ValueError("must be a date-time like 2026-02-01T00:00:00Z")
    return value


QueryTime = Annotated[
    datetime,
    BeforeValidator(_date_time_text),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
IdempotencyKey = Annotated[
    str, StringConstraints(min_length=1, max_length=255, pattern=r"^[\x21-\x7e]+$")
]


def _json_integer(value: object) -> object:
    # JSON has one number type: to a JSON schema (and to clients that write every number
    # with a point) 112.0 is the integer 112, so it is taken as one; 1.5, "112", true not.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


JsonInt = Annotated[StrictInt, BeforeValidator(_json_integer)]
# At most 2**53 - 1, the largest integer every JSON client reads exactly (and far within
# the table's BIGINT). Bounds go before the validator, so the schema shows them.
PaymentIssueId = Annotated[StrictInt, Field(gt=0, le=2**53 - 1), BeforeValidator(_json_integer)]

# The statuses as the contracts spell them (one source of truth for every service).
OrderStatusName = OrderStatus


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PlaceOrderBody(_Body):
    user_id: uuid.UUID
    user_email: Email
    product: ProductCode
    wallet_address: WalletText | None = None


class StaffActionBody(_Body):
    staff_email: Email
    reason: Reason


class MarkPaidBody(StaffActionBody):
    # Accept this late payment (an id from the order's payment_issues) as the order's.
    payment_issue_id: PaymentIssueId | None = None


class AuditFeeQuoteBody(_Body):
    # Bounds (0..cap, 1..10) are the fee model's; it answers with the field at fault.
    tokens_used: JsonInt = Field(description="0 up to the catalog's cap")
    risk_score: JsonInt | Annotated[str, StringConstraints(max_length=8)] = Field(
        description="1 to 10, as a number or its digits"
    )
    is_subscriber: StrictBool = False
