"""Consumed events as their producers would publish them, for one placed order."""

from __future__ import annotations

import uuid

from walletreports.contracts.dune_runner import AnalysisFinished, AnalysisStarted
from walletreports.contracts.payments import InvoiceExpired, InvoicePaidLate, PaymentFinalized


def _ids(order: dict) -> dict:
    return {"order_id": uuid.UUID(order["id"]), "correlation_id": order["id"]}


def finalized(order: dict, **overrides) -> PaymentFinalized:
    values = dict(
        invoice_id=uuid.uuid4(),
        signature="5" * 88,
        currency="USDC",
        amount_base_units=25_000_000,
        slot=1234,
        **_ids(order),
    )
    return PaymentFinalized(**(values | overrides))


def paid_late(order: dict, **overrides) -> InvoicePaidLate:
    values = dict(
        invoice_id=uuid.uuid4(),
        signature="7" * 88,
        currency="USDT",
        amount_base_units=25_000_000,
        **_ids(order),
    )
    return InvoicePaidLate(**(values | overrides))


def invoice_expired(order: dict) -> InvoiceExpired:
    return InvoiceExpired(invoice_id=uuid.uuid4(), **_ids(order))


def started(order: dict) -> AnalysisStarted:
    return AnalysisStarted(
        analysis_id=uuid.uuid4(),
        user_id=uuid.UUID(order["user_id"]),
        queries=["transfers", "defi_trades"],
        **_ids(order),
    )


def finished(
    order: dict, outcome: str = "completed", failed: list[str] | None = None
) -> AnalysisFinished:
    return AnalysisFinished(
        analysis_id=uuid.uuid4(),
        user_id=uuid.UUID(order["user_id"]),
        outcome=outcome,
        reports=[],
        failed_queries=failed or [],
        **_ids(order),
    )
