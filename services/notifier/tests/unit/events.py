"""Events as their producers publish them, with defaults a test overrides."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from walletreports.contracts.dune_runner import (
    AnalysisFinished,
    AnalysisStarted,
    BudgetThresholdReached,
    IntakePaused,
    QueryFailed,
    ReportRef,
)
from walletreports.contracts.orders import OrderPaid, SubscriptionActivated, SubscriptionExpired
from walletreports.contracts.payments import (
    InvoiceOverpaid,
    InvoicePaidLate,
    InvoiceUnderpaid,
    PaymentRejected,
    RefundRequested,
    RefundSent,
)

NOW = datetime(2026, 2, 26, 12, 0, tzinfo=UTC)
WALLET = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
PAYER = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"
SIGNATURE = "5" * 88


def order_paid(user_id: uuid.UUID, order_id: uuid.UUID | None = None, **over: Any) -> OrderPaid:
    order_id = order_id or uuid.uuid4()
    values: dict[str, Any] = {
        "order_id": order_id,
        "user_id": user_id,
        "product": "wallet_report",
        "wallet_address": WALLET,
        "paid_via": "payment",
        "occurred_at": NOW,
        "correlation_id": str(order_id),
    }
    return OrderPaid(**(values | over))


def analysis_started(user_id: uuid.UUID, order_id: uuid.UUID) -> AnalysisStarted:
    return AnalysisStarted(
        analysis_id=uuid.uuid4(),
        order_id=order_id,
        user_id=user_id,
        queries=["defi_trades", "transfers"],
        occurred_at=NOW,
        correlation_id=str(order_id),
    )


def report(query_name: str = "defi_trades", file_name: str | None = None) -> ReportRef:
    return ReportRef(
        query_name=query_name,
        file_name=file_name or f"{query_name}.csv",
        size_bytes=12_345,
        sha256="0" * 64,
    )


def analysis_finished(
    user_id: uuid.UUID,
    order_id: uuid.UUID,
    outcome: str = "completed",
    reports: list[ReportRef] | None = None,
    failed: list[str] | None = None,
) -> AnalysisFinished:
    return AnalysisFinished(
        analysis_id=uuid.uuid4(),
        order_id=order_id,
        user_id=user_id,
        outcome=outcome,  # type: ignore[arg-type]
        reports=[report("defi_trades"), report("transfers")] if reports is None else reports,
        failed_queries=failed or [],
        occurred_at=NOW,
        correlation_id=str(order_id),
    )


def _transfer(order_id: uuid.UUID, **over: Any) -> dict[str, Any]:
    return {
        "invoice_id": uuid.uuid4(),
        "order_id": order_id,
        "signature": SIGNATURE,
        "currency": "USDC",
        "amount_base_units": 20_000_000,
        "payer": PAYER,
        "occurred_at": NOW,
        "correlation_id": str(order_id),
    } | over


def paid_late(order_id: uuid.UUID, **over: Any) -> InvoicePaidLate:
    return InvoicePaidLate(**_transfer(order_id, **over))


def underpaid(order_id: uuid.UUID, **over: Any) -> InvoiceUnderpaid:
    return InvoiceUnderpaid(**_transfer(order_id, **over), expected_base_units=25_000_000)


def overpaid(order_id: uuid.UUID, **over: Any) -> InvoiceOverpaid:
    return InvoiceOverpaid(
        **_transfer(order_id, amount_base_units=30_000_000, **over), expected_base_units=25_000_000
    )


def payment_rejected(order_id: uuid.UUID, reason: str = "memo_mismatch") -> PaymentRejected:
    return PaymentRejected(
        invoice_id=uuid.uuid4(),
        order_id=order_id,
        signature=SIGNATURE,
        reason=reason,
        detail="expected memo 'invoice:…', found ['something else']",
        occurred_at=NOW,
        correlation_id=str(order_id),
    )


def refund_requested(order_id: uuid.UUID, refund_id: uuid.UUID | None = None) -> RefundRequested:
    return RefundRequested(
        refund_id=refund_id or uuid.uuid4(),
        invoice_id=uuid.uuid4(),
        order_id=order_id,
        currency="USDC",
        amount_base_units=25_000_000,
        recipient=PAYER,
        reason="analysis_failed",
        occurred_at=NOW,
        correlation_id=str(order_id),
    )


def refund_sent(order_id: uuid.UUID, refund_id: uuid.UUID | None = None) -> RefundSent:
    return RefundSent(
        refund_id=refund_id or uuid.uuid4(),
        invoice_id=uuid.uuid4(),
        order_id=order_id,
        currency="SOL",
        amount_base_units=166_666_667,
        recipient=PAYER,
        signature=SIGNATURE,
        occurred_at=NOW,
        correlation_id=str(order_id),
    )


def query_failed(order_id: uuid.UUID) -> QueryFailed:
    return QueryFailed(
        analysis_id=uuid.uuid4(),
        order_id=order_id,
        job_id=uuid.uuid4(),
        query_name="defi_trades",
        error_type="query_error",
        error_message="line 3: column 'blok_time' does not exist",
        retryable_by_staff=False,
        occurred_at=NOW,
        correlation_id=str(order_id),
    )


def budget_threshold(period: str = "daily", percent: int = 80) -> BudgetThresholdReached:
    return BudgetThresholdReached(
        period=period,  # type: ignore[arg-type]
        credits_used=Decimal("800.5"),
        credits_budget=Decimal("1000"),
        threshold_percent=percent,
        occurred_at=NOW,
    )


def intake_paused() -> IntakePaused:
    return IntakePaused(reason="daily credit budget reached", occurred_at=NOW)


def subscription_activated(user_id: uuid.UUID, days: int = 30) -> SubscriptionActivated:
    return SubscriptionActivated(
        subscription_id=uuid.uuid4(),
        user_id=user_id,
        plan="monthly",
        starts_at=NOW,
        expires_at=NOW + timedelta(days=days),
        reports_included=5,
        occurred_at=NOW,
    )


def subscription_expired(activated: SubscriptionActivated) -> SubscriptionExpired:
    return SubscriptionExpired(
        subscription_id=activated.subscription_id,
        user_id=activated.user_id,
        plan=activated.plan,
        expired_at=activated.expires_at,
        occurred_at=activated.expires_at,
    )
