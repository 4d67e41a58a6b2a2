from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from walletreports.orders.domain.pricing import price_order


def test_report_at_list_price(catalog, now):
    price = price_order(catalog.product("wallet_report"), subscription=None, now=now)
    assert price.price_usd == Decimal("25.00") and str(price.price_usd) == "25.00"
    assert price.list_price_usd == Decimal("25.00")
    assert price.discount_usd == Decimal("0.00")
    assert price.payment_required
    assert price.covered_by_subscription_id is None


def test_report_covered_by_an_active_subscription(catalog, subscription, now):
    price = price_order(catalog.product("wallet_report"), subscription=subscription, now=now)
    assert price.price_usd == Decimal("0.00")
    assert price.discount_usd == Decimal("25.00")
    assert not price.payment_required
    assert price.covered_by_subscription_id == subscription.id
    assert "30 of 30" in price.note


def test_report_discounted_once_included_reports_are_used(catalog, subscription, now):
    used_up = replace(subscription, reports_used=30)
    price = price_order(catalog.product("wallet_report"), subscription=used_up, now=now)
    assert price.price_usd == Decimal("20.00") and str(price.price_usd) == "20.00"
    assert price.discount_usd == Decimal("5.00")
    assert price.payment_required
    assert price.covered_by_subscription_id is None


def test_expired_subscription_gives_list_price(catalog, subscription):
    price = price_order(
        catalog.product("wallet_report"), subscription=subscription, now=subscription.expires_at
    )
    assert price.price_usd == Decimal("25.00")


def test_discount_rounds_half_up_to_the_cent(catalog, subscription, now):
    odd = catalog.product("wallet_report").model_copy(update={"price_usd": Decimal("24.99")})
    used_up = replace(subscription, reports_used=30, report_discount_percent=15)
    # 24.99 x 0.85 = 21.2415 -> 21.24
    assert price_order(odd, subscription=used_up, now=now).price_usd == Decimal("21.24")
    half = odd.model_copy(update={"price_usd": Decimal("0.10")})
    # 0.10 x 0.85 = 0.085 -> 0.09
    assert price_order(half, subscription=used_up, now=now).price_usd == Decimal("0.09")


def test_plans_are_never_discounted(catalog, subscription, now):
    price = price_order(catalog.product("subscription_monthly"), subscription=subscription, now=now)
    assert price.price_usd == Decimal("6.00")
    assert price.payment_required
