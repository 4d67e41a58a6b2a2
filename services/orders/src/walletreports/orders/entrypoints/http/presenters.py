"""Domain values as JSON: USD and multipliers as strings (never floats), base units as
integers, times in ISO 8601."""

from __future__ import annotations

from typing import Any

from ...domain import AuditFee, BillingSummary, Catalog, SubscriptionPlan


def billing_json(summary: BillingSummary) -> dict[str, Any]:
    sub = summary.subscription
    return {
        "user_id": str(summary.user_id),
        "is_subscriber": summary.is_subscriber,
        "spent_usd": str(summary.spent_usd),
        "spent_base_units": {
            currency.value: amount for currency, amount in summary.spent_base_units.items()
        },
        "total_payments": sum(1 for p in summary.payments if p.accepted),
        "reports_completed": summary.reports_completed,
        "reports_partial": summary.reports_partial,
        "subscription": None
        if sub is None
        else {
            "plan": sub.plan,
            "status": sub.status,
            "reports_used": sub.reports_used,
            "reports_included": sub.reports_included,
            "reports_remaining": sub.reports_remaining,
            "expires_at": sub.expires_at.isoformat(),
        },
        "orders": [
            {
                "order_id": str(o.order_id),
                "product": o.product,
                "wallet_address": o.wallet_address,
                "status": o.status.value,
                "price_usd": str(o.price_usd),
                "paid_via": None if o.paid_via is None else o.paid_via.value,
                "created_at": o.created_at.isoformat(),
            }
            for o in summary.orders
        ],
        "payments": [
            {
                "order_id": str(p.order_id),
                "currency": p.currency.value,
                "amount_base_units": p.amount_base_units,
                "signature": p.signature,
                "accepted": p.accepted,
            }
            for p in summary.payments
        ],
    }


def catalog_json(catalog: Catalog) -> dict[str, Any]:
    products = []
    for product in catalog.products.values():
        entry: dict[str, Any] = {
            "code": product.code,
            "kind": product.kind,
            "name": product.name,
            "price_usd": str(product.price_usd),
        }
        if isinstance(product, SubscriptionPlan):
            entry |= {
                "duration_days": product.duration_days,
                "reports_included": product.reports_included,
                "report_discount_percent": product.report_discount_percent,
            }
        products.append(entry)
    return {"products": products, "payment_window_minutes": catalog.orders.payment_window_minutes}


def audit_fee_json(fee: AuditFee) -> dict[str, Any]:
    return {
        "tokens_used": fee.tokens_used,
        "risk_score": fee.risk_score,
        "is_subscriber": fee.is_subscriber,
        "base_lamports": fee.base_lamports,
        "usage_lamports": fee.usage_lamports,
        "risk_multiplier": str(fee.risk_multiplier),
        "fee_before_discount_lamports": fee.fee_before_discount_lamports,
        "discount_percent": fee.discount_percent,
        "discount_lamports": fee.discount_lamports,
        "total_lamports": fee.total_lamports,
        "total_sol": str(fee.total_sol),  # display only; charge total_lamports
    }
