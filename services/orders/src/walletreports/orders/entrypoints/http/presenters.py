"""Domain values as the API's answers (entrypoints.http.responses): the models spell
USD and multipliers as strings, base units as integers, times in ISO 8601."""

from __future__ import annotations

from ...domain import AuditFee, BillingSummary, Catalog, SubscriptionPlan, SubscriptionStatus
from .responses import (
    AuditFeeQuote,
    Billing,
    BillingOrder,
    BillingPayment,
    BillingSubscription,
    CatalogPlan,
    CatalogReport,
    CatalogView,
)


def billing_view(summary: BillingSummary) -> Billing:
    sub = summary.subscription
    return Billing(
        user_id=summary.user_id,
        is_subscriber=summary.is_subscriber,
        spent_usd=summary.spent_usd,
        spent_base_units=dict(summary.spent_base_units),
        total_payments=sum(1 for p in summary.payments if p.accepted),
        reports_completed=summary.reports_completed,
        reports_partial=summary.reports_partial,
        subscription=None
        if sub is None
        else BillingSubscription(
            plan=sub.plan,
            status=SubscriptionStatus(sub.status),
            reports_used=sub.reports_used,
            reports_included=sub.reports_included,
            reports_remaining=sub.reports_remaining,
            expires_at=sub.expires_at,
        ),
        orders=[
            BillingOrder(
                order_id=o.order_id,
                product=o.product,
                wallet_address=o.wallet_address,
                status=o.status,
                price_usd=o.price_usd,
                paid_via=o.paid_via,
                created_at=o.created_at,
            )
            for o in summary.orders
        ],
        payments=[
            BillingPayment(
                order_id=p.order_id,
                currency=p.currency,
                amount_base_units=p.amount_base_units,
                signature=p.signature,
                accepted=p.accepted,
            )
            for p in summary.payments
        ],
    )


def catalog_view(catalog: Catalog) -> CatalogView:
    products: list[CatalogReport | CatalogPlan] = [
        CatalogPlan(
            code=product.code,
            kind=product.kind,
            name=product.name,
            price_usd=product.price_usd,
            duration_days=product.duration_days,
            reports_included=product.reports_included,
            report_discount_percent=product.report_discount_percent,
        )
        if isinstance(product, SubscriptionPlan)
        else CatalogReport(
            code=product.code, kind=product.kind, name=product.name, price_usd=product.price_usd
        )
        for product in catalog.products.values()
    ]
    return CatalogView(
        products=products, payment_window_minutes=catalog.orders.payment_window_minutes
    )


def audit_fee_quote(fee: AuditFee) -> AuditFeeQuote:
    return AuditFeeQuote(
        tokens_used=fee.tokens_used,
        risk_score=fee.risk_score,
        is_subscriber=fee.is_subscriber,
        base_lamports=fee.base_lamports,
        usage_lamports=fee.usage_lamports,
        risk_multiplier=fee.risk_multiplier,
        fee_before_discount_lamports=fee.fee_before_discount_lamports,
        discount_percent=fee.discount_percent,
        discount_lamports=fee.discount_lamports,
        total_lamports=fee.total_lamports,
        total_sol=fee.total_sol,  # display only; charge total_lamports
    )
