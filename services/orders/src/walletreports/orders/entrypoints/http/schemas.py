"""Request bodies and query values: unknown fields refused, every string bounded, text
that reaches the database free of NUL, ids typed, so bad input is a 422 naming the field
before anything runs."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
)
from walletreports.contracts.orders import OrderStatus


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL; let through, it fails in the driver (a 500) when the
    # value is stored or searched for. (A wallet address needs no check: only hex passes.)
    if "\x00" in value:
        raise ValueError("must not contain the NUL character (\\x00)")
    return value


NoNul = AfterValidator(_no_nul)

# Not a full RFC 5322 check (web owns and verifies emails); enough to refuse garbage.
Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
    ),
    NoNul,
]
ProductCode = Annotated[str, StringConstraints(min_length=1, max_length=64), NoNul]
# The domain checks the address itself (hex, length, EIP-55); this only bounds the size.
WalletText = Annotated[str, StringConstraints(max_length=100)]
Reason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), NoNul
]
SearchText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NoNul
]
IdempotencyKey = Annotated[
    str, StringConstraints(min_length=1, max_length=255, pattern=r"^[\x21-\x7e]+$")
]

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
    payment_issue_id: Annotated[StrictInt, Field(gt=0, le=2**63 - 1)] | None = None


class AuditFeeQuoteBody(_Body):
    # Bounds (0..cap, 1..10) are the fee model's; it answers with the field at fault.
    tokens_used: StrictInt
    risk_score: StrictInt | Annotated[str, StringConstraints(max_length=8)]
    is_subscriber: StrictBool = False
