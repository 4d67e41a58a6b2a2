"""Placing an order: the one call behind `POST /v1/orders`.

It validates the request against the product, prices it, and when the user's plan
covers it, pays it at once and uses one of the plan's reports, so the service cannot
forget either half. Everything it returns is persisted in one transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from .catalog import Catalog, ReportProduct, SubscriptionPlan
from .errors import InvalidOrderRequest, InvalidWalletAddress
from .order import Order, StatusChange
from .pricing import OrderPrice, price_order
from .subscription import Subscription
from .timestamps import require_aware
from .wallet_address import validate_wallet_address


@dataclass(frozen=True, slots=True)
class PlacedOrder:
    order: Order
    price: OrderPrice
    # The user's subscription after this order: one more report used when it covered the
    # order; None when the order did not touch it (nothing to save).
    subscription: Subscription | None
    # Changes already applied beyond creation (a covered order is paid at once); the
    # service publishes `order.created` and then each change's events.
    changes: tuple[StatusChange, ...]
    # Human description for `order.created`.
    description: str


def place_order(
    catalog: Catalog,
    *,
    order_id: uuid.UUID,
    user_id: uuid.UUID,
    product_code: str,
    wallet_address: object,
    subscription: Subscription | None,
    now: datetime,
) -> PlacedOrder:
    """Raises `UnknownProduct`, `InvalidWalletAddress`, `InvalidOrderRequest`."""
    require_aware(now)
    product = catalog.product(product_code)
    if subscription is not None and subscription.user_id != user_id:
        raise ValueError(f"subscription {subscription.id} does not belong to user {user_id}")

    if isinstance(product, ReportProduct):
        if wallet_address is None:
            raise InvalidWalletAddress(f"wallet_address is required for {product.code}")
        address: str | None = validate_wallet_address(wallet_address)
        description = f"{product.name} for {address}"
    else:
        # A plan is not about a wallet; taking one anyway would suggest it was analysed.
        if wallet_address not in (None, ""):
            raise InvalidOrderRequest(
                f"wallet_address must be empty for {product.code}; a plan covers reports "
                "you order later",
                field="wallet_address",
            )
        address = None
        description = f"{product.name} ({product.duration_days} days, "
        description += f"{product.reports_included} reports included)"

    price = price_order(product, subscription=subscription, now=now)
    order = Order(
        id=order_id,
        user_id=user_id,
        product=product.code,
        product_kind=product.kind,
        wallet_address=address,
        price_usd=price.price_usd,
        created_at=now,
        payment_due_by=now + timedelta(minutes=catalog.orders.payment_window_minutes),
        # The terms as sold travel with the order: the catalog may change before it is paid.
        plan=product if isinstance(product, SubscriptionPlan) else None,
    )

    if price.covered_by_subscription_id is None or subscription is None:
        return PlacedOrder(
            order=order, price=price, subscription=None, changes=(), description=description
        )

    used = subscription.use_report(now)
    change = order.cover_by_subscription(subscription_id=subscription.id, now=now)
    return PlacedOrder(
        order=order, price=price, subscription=used, changes=(change,), description=description
    )
