"""Domain values as the API's answers (entrypoints.http.responses): the models spell
USD and multipliers as strings, base units as integers, times in ISO 8601."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel

from ...domain import AuditFee, BillingSummary, Catalog, SubscriptionPlan
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

M = TypeVar("M", bound=BaseModel)


def billing_view(summary: BillingSummary) -> Billing:
    # The domain's values carry the answer's field names: read them off the objects.
    sub = summary.subscription
    return Billing(
        user_id=summary.user_id,
        is_subscriber=summary.is_subscriber,
        spent_usd=summary.spent_usd,
        spent_base_units=dict(summary.spent_base_units),
        total_payments=sum(1 for p in summary.payments if p.accepted),
        reports_completed=summary.reports_completed,
        reports_partial=summary.reports_partial,
        subscription=None if sub is None else _read(BillingSubscription, sub),
        orders=[_read(BillingOrder, o) for o in summary.orders],
        payments=[_read(BillingPayment, p) for p in summary.payments],
    )


def _read(model: type[M], value: object) -> M:
    return model.model_validate(value, from_attributes=True)


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
    # total_sol is for display only; a charge uses total_lamports.
    return _read(AuditFeeQuote, fee)
