"""Errors of the use cases that are not domain rules (the domain's are in domain)."""

from __future__ import annotations

import uuid

from walletreports.kit import NotFound


class InvoiceNotFound(NotFound):
    code = "invoice_not_found"

    def __init__(self, message: str) -> None:
        super().__init__(message)

    @classmethod
    def by_id(cls, invoice_id: uuid.UUID) -> InvoiceNotFound:
        return cls(f"no invoice {invoice_id}")

    @classmethod
    def for_order(cls, order_id: uuid.UUID) -> InvoiceNotFound:
        return cls(f"no invoice for order {order_id} (none yet, or no payment required)")


class MethodNotOffered(NotFound):
    """The invoice offers no such currency (e.g. SOL withdrawn without a quote)."""

    code = "method_not_offered"
