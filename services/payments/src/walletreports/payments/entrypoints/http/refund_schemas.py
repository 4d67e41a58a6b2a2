"""Request bodies of the staff console's refund routes, held to the same rules as the
other console bodies (admin_schemas): unknown fields refused, text bounded and free of
NUL, amounts whole base units, so a bad value is a 422 naming the field."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt

from walletreports.kit.http.text import Email

from ...domain import Currency, RefundReason
from .admin_schemas import Reason


def _json_integer(value: object) -> object:
    # JSON has one number type: 5000000.0 is the integer 5000000 to a JSON schema (and to
    # clients that write every number with a point); 1.5, "5", true are not integers.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# Bounds before the validator, so the schema shows them; at most 2**53 - 1, the largest
# integer every JSON client reads exactly (and far within the table's BIGINT).
BaseUnits = Annotated[StrictInt, Field(gt=0, le=2**53 - 1), BeforeValidator(_json_integer)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RefundRequestBody(_Body):
    staff_email: Email
    reason: RefundReason = Field(
        description="overpayment (the excess of a paid_over invoice), late_payment (money"
        " held for staff), staff_decision, analysis_failed"
    )
    note: Reason = Field(description="why, kept with the refund")
    currency: Currency = Field(description="the currency the money came in, and goes back in")
    amount_base_units: BaseUnits | None = Field(
        None,
        description="USDC/USDT: 6 decimals; SOL: lamports. Left out only for an overpayment:"
        " then the excess, less what other overpayment refunds ask",
    )


class RefundCancelBody(_Body):
    staff_email: Email
    note: Reason = Field(description="why it is withdrawn")
