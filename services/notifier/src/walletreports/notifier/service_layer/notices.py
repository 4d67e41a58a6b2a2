"""Which events call for which notifications, to whom, about which fact, with which facts
for the template. Pure: the events in, `Notice`s out.

A notice's `fact` is what a repeat of the same business fact finds (so it sends nothing
new even under a new event id): the order for its order mails, the refund, the
transfer's signature, the subscription, the budget's period and threshold; an event
with no fact of its own (one failure of a query, a pause of intake) is keyed on its id.

Templates get ids and facts only (JSON); links are built when the message is composed,
from NOTIFIER_PUBLIC_BASE_URL (domain.links), so a stored notice composes the same later.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

from walletreports.contracts import Event
from walletreports.contracts.dune_runner import (
    AnalysisFinished,
    AnalysisStarted,
    BudgetThresholdReached,
    IntakePaused,
    QueryFailed,
)
from walletreports.contracts.orders import (
    OrderCreated,
    OrderPaid,
    SubscriptionActivated,
    SubscriptionExpired,
)
from walletreports.contracts.payments import (
    InvoiceOverpaid,
    InvoicePaidLate,
    InvoiceUnderpaid,
    PaymentRejected,
    RefundRequested,
    RefundSent,
)

from ..domain import (
    KnownOrder,
    KnownSubscription,
    Notice,
    TemplateName,
    ToOrderOwner,
    ToStaff,
    ToUser,
    event_fact,
    order_fact,
    refund_fact,
    subscription_fact,
    transfer_fact,
)
from ..domain.audience import Audience
from ..domain.money import amount

T = TemplateName


def _notice(
    event: Event,
    template: TemplateName,
    fact: str,
    audience: Audience,
    context: dict[str, Any],
    *,
    order_id: uuid.UUID | None = None,
) -> Notice:
    return Notice(
        template=template,
        fact=fact,
        audience=audience,
        occurred_at=event.occurred_at,
        context=context,
        order_id=order_id,
        event_id=event.event_id,
        event_subject=event.subject,
        correlation_id=event.correlation_id or (None if order_id is None else str(order_id)),
    )


def _time(value: datetime) -> str:
    return value.isoformat()


def payment_received(event: OrderPaid) -> list[Notice]:
    """ "We've received your payment!" (also when staff accepted a late or short one); an
    order the user's subscription covered had no payment to acknowledge."""
    if event.paid_via == "subscription":
        return []
    context = {
        "order_id": str(event.order_id),
        "product": event.product,
        "wallet_address": event.wallet_address,
        "paid_via": event.paid_via,
    }
    return [
        _notice(
            event,
            T.PAYMENT_RECEIVED,
            order_fact(event.order_id),
            ToUser(event.user_id),
            context,
            order_id=event.order_id,
        )
    ]


def processing_started(event: AnalysisStarted) -> list[Notice]:
    context = {"order_id": str(event.order_id), "queries": list(event.queries)}
    return [
        _notice(
            event,
            T.PROCESSING_STARTED,
            order_fact(event.order_id),
            ToUser(event.user_id),
            context,
            order_id=event.order_id,
        )
    ]


def analysis_finished(event: AnalysisFinished) -> list[Notice]:
    """Reports ready (a link per file), partially complete (the files there are, what
    failed and what happens next) or failed (nothing produced: the refund follows)."""
    template = {
        "completed": T.REPORTS_READY,
        "partial": T.ORDER_PARTIAL,
        "failed": T.ORDER_FAILED,
    }[event.outcome]
    context = {
        "order_id": str(event.order_id),
        "reports": [
            {
                "query_name": report.query_name,
                "file_name": report.file_name,
                "size_bytes": report.size_bytes,
            }
            for report in event.reports
        ],
        "failed_queries": list(event.failed_queries),
    }
    return [
        _notice(
            event,
            template,
            order_fact(event.order_id),
            ToUser(event.user_id),
            context,
            order_id=event.order_id,
        )
    ]


def _transfer_context(
    event: InvoicePaidLate | InvoiceUnderpaid | InvoiceOverpaid,
) -> dict[str, Any]:
    context: dict[str, Any] = {
        "order_id": str(event.order_id),
        "invoice_id": str(event.invoice_id),
        "signature": event.signature,
        "payer": event.payer,
        "amount": amount(event.currency, event.amount_base_units),
    }
    if isinstance(event, InvoiceUnderpaid | InvoiceOverpaid):
        context["expected"] = amount(event.currency, event.expected_base_units)
    return context


def _about_a_transfer(
    event: InvoicePaidLate | InvoiceUnderpaid | InvoiceOverpaid,
    *templates: tuple[TemplateName, Audience],
) -> list[Notice]:
    """The notices of one transfer to an invoice: one fact (the invoice and the
    transaction) and one context for everyone it tells."""
    fact = transfer_fact(event.invoice_id, event.signature)
    context = _transfer_context(event)
    return [
        _notice(event, template, fact, audience, context, order_id=event.order_id)
        for template, audience in templates
    ]


def paid_late(event: InvoicePaidLate) -> list[Notice]:
    """Money after the invoice expired: the user learns it is not lost; staff decide."""
    return _about_a_transfer(
        event, (T.PAYMENT_LATE, ToOrderOwner(event.order_id)), (T.STAFF_PAID_LATE, ToStaff())
    )


def underpaid(event: InvoiceUnderpaid) -> list[Notice]:
    """Less than the price arrived: the user may send the rest with the same link."""
    return _about_a_transfer(
        event,
        (T.PAYMENT_UNDERPAID, ToOrderOwner(event.order_id)),
        (T.STAFF_UNDERPAID, ToStaff()),
    )


def overpaid(event: InvoiceOverpaid) -> list[Notice]:
    return _about_a_transfer(event, (T.STAFF_OVERPAID, ToStaff()))


# What staff read for each rejection payments tells about (its CUSTOMER_MISTAKES).
REJECTION_EXPLAINED = {
    "wrong_mint": "paid in a token the invoice does not take",
    "wrong_recipient": "sent to an account that is not the invoice's",
    "memo_mismatch": "its memo is not the one the invoice asked for",
    "several_invoices": "it carries the references of two invoices, so it pays neither",
    "currency_not_accepted": "paid in a currency the invoice no longer takes",
}


def payment_rejected(event: PaymentRejected) -> list[Notice]:
    """A transaction meant for an invoice that cannot pay it: money may have moved."""
    context = {
        "order_id": str(event.order_id),
        "invoice_id": str(event.invoice_id),
        "signature": event.signature,
        "reason": event.reason,
        "explained": REJECTION_EXPLAINED.get(event.reason, event.reason.replace("_", " ")),
        "detail": event.detail,
    }
    return [
        _notice(
            event,
            T.STAFF_PAYMENT_REJECTED,
            transfer_fact(event.invoice_id, event.signature),
            ToStaff(),
            context,
            order_id=event.order_id,
        )
    ]


def _refund_context(event: RefundRequested | RefundSent) -> dict[str, Any]:
    context: dict[str, Any] = {
        "order_id": str(event.order_id),
        "invoice_id": str(event.invoice_id),
        "refund_id": str(event.refund_id),
        "amount": amount(event.currency, event.amount_base_units),
        "recipient": event.recipient,
    }
    if isinstance(event, RefundRequested):
        context["reason"] = event.reason
    else:
        context["signature"] = event.signature
    return context


def refund_requested(event: RefundRequested) -> list[Notice]:
    """The user learns a refund is coming; staff get it to sign (non-custodial refunds)."""
    fact = refund_fact(event.refund_id)
    context = _refund_context(event)
    return [
        _notice(
            event,
            T.REFUND_REQUESTED,
            fact,
            ToOrderOwner(event.order_id),
            context,
            order_id=event.order_id,
        ),
        _notice(event, T.STAFF_REFUND_TO_SIGN, fact, ToStaff(), context, order_id=event.order_id),
    ]


def refund_sent(event: RefundSent) -> list[Notice]:
    return [
        _notice(
            event,
            T.REFUND_SENT,
            refund_fact(event.refund_id),
            ToOrderOwner(event.order_id),
            _refund_context(event),
            order_id=event.order_id,
        )
    ]


def query_failed(event: QueryFailed) -> list[Notice]:
    """Every failed query needs a staff decision (retry or give up): one alert per failure."""
    context = {
        "order_id": str(event.order_id),
        "analysis_id": str(event.analysis_id),
        "job_id": str(event.job_id),
        "query_name": event.query_name,
        "error_type": event.error_type,
        "error_message": event.error_message,
        "retryable_by_staff": event.retryable_by_staff,
    }
    return [
        _notice(
            event,
            T.STAFF_QUERY_FAILED,
            event_fact(event.event_id),
            ToStaff(),
            context,
            order_id=event.order_id,
        )
    ]


def budget_window(event: BudgetThresholdReached) -> str:
    """The budget period the threshold was crossed in: its UTC day, or ISO week."""
    day = event.occurred_at.date()
    if event.period == "daily":
        return day.isoformat()
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def budget_threshold(event: BudgetThresholdReached) -> list[Notice]:
    fact = f"budget:{event.period}:{budget_window(event)}:{event.threshold_percent}"
    context = {
        "period": event.period,
        "window": budget_window(event),
        "credits_used": str(event.credits_used),
        "credits_budget": str(event.credits_budget),
        "threshold_percent": event.threshold_percent,
    }
    return [_notice(event, T.STAFF_BUDGET_THRESHOLD, fact, ToStaff(), context)]


def intake_paused(event: IntakePaused) -> list[Notice]:
    context = {"reason": event.reason, "paused_at": _time(event.occurred_at)}
    return [_notice(event, T.STAFF_INTAKE_PAUSED, event_fact(event.event_id), ToStaff(), context)]


def _subscription_context(subscription: KnownSubscription) -> dict[str, Any]:
    return {
        "subscription_id": str(subscription.subscription_id),
        "plan": subscription.plan,
        "starts_at": _time(subscription.starts_at),
        "expires_at": _time(subscription.expires_at),
        "reports_included": subscription.reports_included,
    }


def known_order(event: OrderCreated | OrderPaid) -> KnownOrder:
    """What an order's event tells of it: order.created its price and description,
    order.paid how it was paid (the rest is kept from before: OrdersPort.remember)."""
    order = KnownOrder(
        order_id=event.order_id,
        user_id=event.user_id,
        product=event.product,
        wallet_address=event.wallet_address,
    )
    if isinstance(event, OrderCreated):
        return replace(order, description=event.description, price_usd=event.price_usd)
    return replace(order, paid_via=event.paid_via)


def known_subscription(event: SubscriptionActivated) -> KnownSubscription:
    return KnownSubscription(
        subscription_id=event.subscription_id,
        user_id=event.user_id,
        plan=event.plan,
        starts_at=event.starts_at,
        expires_at=event.expires_at,
        reports_included=event.reports_included,
    )


def subscription_activated(event: SubscriptionActivated) -> list[Notice]:
    return [
        _notice(
            event,
            T.SUBSCRIPTION_ACTIVATED,
            subscription_fact(event.subscription_id),
            ToUser(event.user_id),
            _subscription_context(known_subscription(event)),
        )
    ]


def subscription_expiring(subscription: KnownSubscription, *, now: datetime) -> Notice:
    """The reminder a few days before the end (not an event: the passing of time)."""
    return Notice(
        template=T.SUBSCRIPTION_EXPIRING,
        fact=subscription_fact(subscription.subscription_id),
        audience=ToUser(subscription.user_id),
        occurred_at=now,
        context=_subscription_context(subscription),
    )


def subscription_expired(event: SubscriptionExpired) -> list[Notice]:
    context = {
        "subscription_id": str(event.subscription_id),
        "plan": event.plan,
        "expired_at": _time(event.expired_at),
    }
    return [
        _notice(
            event,
            T.SUBSCRIPTION_EXPIRED,
            subscription_fact(event.subscription_id),
            ToUser(event.user_id),
            context,
        )
    ]
