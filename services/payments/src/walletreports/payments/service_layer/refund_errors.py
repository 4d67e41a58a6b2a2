"""Errors of the refund use cases that are not domain rules (the domain's are in
domain/refund.py)."""

from __future__ import annotations

import uuid

from walletreports.kit import Conflict, NotFound


class RefundNotFound(NotFound):
    code = "refund_not_found"

    def __init__(self, message: str) -> None:
        super().__init__(message)

    @classmethod
    def by_id(cls, refund_id: uuid.UUID) -> RefundNotFound:
        return cls(f"no refund {refund_id}")


class OverpaymentNotRefundable(Conflict):
    """An overpayment refund without an amount, when the excess is not there to take: it
    is in another currency, cannot be known exactly (a late SOL transfer), or other
    overpayment refunds already ask all of it. Staff may still name an amount."""

    code = "overpayment_not_refundable"
