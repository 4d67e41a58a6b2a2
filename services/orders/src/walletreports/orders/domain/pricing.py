"""USD price of an order: catalog list price, then what the user's subscription does to it.

For reports: an active plan with included reports left covers it (0.00, no payment);
an active plan with none left takes its discount off (25.00 at 20 % -> 20.00, cents
rounded half-up); otherwise the list price. Plans themselves are never discounted.
(The SOL audit fee of the second seed is `fee_model`; SOL amounts for our orders are
quoted by payments from this USD price.)
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from .catalog import ReportProduct, SubscriptionPlan
from .money import percent_off, usd
from .subscription import Subscription
from .timestamps import require_aware


@dataclass(frozen=True, slots=True)
class OrderPrice:
    product: str
    list_price_usd: Decimal
    discount_usd: Decimal
    price_usd: Decimal
    payment_required: bool
    # Set when the price is 0 because the plan covers it; placing the order uses one report.
    covered_by_subscription_id: uuid.UUID | None
    # For the order page: why this price ("list price", "covered by subscription", ...).
    note: str


def price_order(
    product: ReportProduct | SubscriptionPlan,
    *,
    subscription: Subscription | None,
    now: datetime,
) -> OrderPrice:
    require_aware(now)
    list_price = usd(product.price_usd)

    if isinstance(product, ReportProduct) and subscription is not None:
        if subscription.covers_report(now):
            return OrderPrice(
                product=product.code,
                list_price_usd=list_price,
                discount_usd=list_price,
                price_usd=usd(0),
                payment_required=False,
                covered_by_subscription_id=subscription.id,
                note=(
                    f"covered by subscription ({subscription.reports_remaining} of "
                    f"{subscription.reports_included} reports left before this one)"
                ),
            )
        if subscription.discounts_report(now):
            price = percent_off(list_price, subscription.report_discount_percent)
            return OrderPrice(
                product=product.code,
                list_price_usd=list_price,
                discount_usd=list_price - price,
                price_usd=price,
                payment_required=price > 0,
                covered_by_subscription_id=None,
                note=f"subscriber discount {subscription.report_discount_percent} %",
            )

    return OrderPrice(
        product=product.code,
        list_price_usd=list_price,
        discount_usd=usd(0),
        price_usd=list_price,
        payment_required=list_price > 0,
        covered_by_subscription_id=None,
        note="list price",
    )
