from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from walletreports.orders.domain.errors import (
    InvalidOrderRequest,
    InvalidWalletAddress,
    UnknownProduct,
)
from walletreports.orders.domain.order import PaidVia
from walletreports.orders.domain.placement import place_order
from walletreports.orders.domain.state_machine import OrderEventName, OrderStatus

ADDRESS = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
ORDER_ID = uuid.UUID("00000000-0000-4000-8000-0000000000f1")


def place(catalog, user_id, now, product="wallet_report", wallet=ADDRESS, subscription=None):
    return place_order(
        catalog,
        order_id=ORDER_ID,
        user_id=user_id,
        product_code=product,
        wallet_address=wallet,
        subscription=subscription,
        now=now,
    )


def test_report_order_awaits_payment(catalog, user_id, now):
    placed = place(catalog, user_id, now, wallet=ADDRESS.lower())
    order = placed.order
    assert order.id == ORDER_ID and order.user_id == user_id
    assert order.status is OrderStatus.PENDING_PAYMENT
    assert order.wallet_address == ADDRESS  # stored checksummed
    assert order.price_usd == Decimal("25.00")
    assert order.product_kind == "report"
    assert order.payment_due_by == now + timedelta(minutes=15)
    assert placed.price.payment_required
    assert placed.changes == () and placed.subscription is None
    assert placed.description == f"Wallet tax report for {ADDRESS}"


def test_covered_report_is_paid_at_once_and_uses_a_report(catalog, user_id, now, subscription):
    placed = place(catalog, user_id, now, subscription=subscription)
    assert placed.order.status is OrderStatus.PAYMENT_RECEIVED
    assert placed.order.paid_via is PaidVia.SUBSCRIPTION
    assert placed.order.price_usd == Decimal("0.00")
    assert placed.subscription.reports_used == 1
    assert subscription.reports_used == 0  # the input is not mutated
    (change,) = placed.changes
    assert change.events == (OrderEventName.PAID, OrderEventName.STATUS_CHANGED)
    assert not placed.price.payment_required


def test_used_up_subscription_gets_the_discount_and_is_untouched(
    catalog, user_id, now, subscription
):
    placed = place(catalog, user_id, now, subscription=replace(subscription, reports_used=30))
    assert placed.order.status is OrderStatus.PENDING_PAYMENT
    assert placed.order.price_usd == Decimal("20.00")
    assert placed.subscription is None


def test_plan_order(catalog, user_id, now):
    placed = place(catalog, user_id, now, product="subscription_monthly", wallet=None)
    assert placed.order.product_kind == "subscription"
    assert placed.order.wallet_address is None
    assert placed.order.price_usd == Decimal("6.00")
    assert placed.description == "Monthly plan (30 days, 30 reports included)"


def test_plan_order_refuses_a_wallet(catalog, user_id, now):
    with pytest.raises(InvalidOrderRequest, match="wallet_address must be empty") as excinfo:
        place(catalog, user_id, now, product="subscription_monthly", wallet=ADDRESS)
    assert excinfo.value.field == "wallet_address"


def test_report_needs_a_wallet(catalog, user_id, now):
    with pytest.raises(InvalidWalletAddress, match="wallet_address is required for wallet_report"):
        place(catalog, user_id, now, wallet=None)


def test_report_wallet_is_validated(catalog, user_id, now):
    with pytest.raises(InvalidWalletAddress, match="got 39"):
        place(catalog, user_id, now, wallet=ADDRESS[:-1])


def test_unknown_product(catalog, user_id, now):
    with pytest.raises(UnknownProduct):
        place(catalog, user_id, now, product="audit_premium")


def test_another_users_subscription_is_refused(catalog, now, subscription):
    with pytest.raises(ValueError, match="does not belong"):
        place(catalog, uuid.uuid4(), now, subscription=subscription)
