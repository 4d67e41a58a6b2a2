"""Errors of the use cases that are not domain rules (the domain's are in domain.errors)."""

from __future__ import annotations

import uuid

from walletreports.kit import NotFound, Unavailable

from ..domain import InvalidInput


class OrderNotFound(NotFound):
    code = "order_not_found"

    def __init__(self, order_id: uuid.UUID) -> None:
        super().__init__(f"no order {order_id}")
        self.order_id = order_id


class IntakePaused(Unavailable):
    """dune_runner paused intake (budget reached, outage): no new orders until it resumes."""

    code = "intake_paused"

    def __init__(self, reason: str) -> None:
        because = f": {reason}" if reason else ""
        super().__init__(
            f"new orders are paused for now{because}; please try again later", reason=reason
        )
        self.reason = reason


class IdempotencyKeyReused(InvalidInput):
    code = "idempotency_key_reused"

    def __init__(self) -> None:
        super().__init__(
            "this Idempotency-Key was already used for a request with different parameters; "
            "use a new key for a new request",
            field="Idempotency-Key",
        )


class UnknownPaymentIssue(InvalidInput):
    code = "unknown_payment_issue"

    def __init__(self, issue_id: int, order_id: uuid.UUID) -> None:
        super().__init__(
            f"order {order_id} has no payment issue {issue_id}", field="payment_issue_id"
        )
