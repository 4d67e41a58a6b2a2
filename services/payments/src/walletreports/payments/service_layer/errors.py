"""Errors of the use cases that are not domain rules (the domain's are in domain)."""

from __future__ import annotations

import uuid

from walletreports.kit import Conflict, InvalidInput, NotFound, Unavailable


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


class TransactionNotFound(NotFound):
    """The node has no such transaction (not landed, not confirmed yet, or forked away)."""

    code = "transaction_not_found"


class SignatureUsed(Conflict):
    """The transaction already paid (or carries the reference of) another invoice: a
    signature pays at most one invoice, ever."""

    code = "signature_used"


class TransferNotValid(InvalidInput):
    """The transaction does not pay this invoice; `reason` is the stable rejection code
    (transaction_failed, wrong_mint, reference_missing, memo_mismatch, ...)."""

    code = "transfer_not_valid"


class ChainUnavailable(Unavailable):
    """The Solana RPC could not answer (down, timing out, rate limiting, or answering
    nonsense): nothing was recorded, asking again later may work."""

    code = "chain_unavailable"
