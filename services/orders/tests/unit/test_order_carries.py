"""What the Order aggregate carries beyond its status: a plan order's terms, and its
payment issues by the id staff name them with."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime

import pytest

from walletreports.orders.domain import Catalog, OrderStatus, PaymentNeedsReview

from .given import plan_order, receipt, report_order


def test_a_plan_order_needs_its_terms_and_a_report_takes_none(
    catalog: Catalog, user_id: uuid.UUID, now: datetime
):
    plan = plan_order(catalog, user_id=user_id, now=now)
    report = report_order(catalog, user_id=user_id, now=now)
    assert plan.plan == catalog.plan("subscription_monthly") and report.plan is None

    with pytest.raises(ValueError, match="carries its plan terms"):
        dataclasses.replace(plan, plan=None)
    with pytest.raises(ValueError, match="carries its plan terms"):
        dataclasses.replace(report, plan=catalog.plan("subscription_monthly"))
    with pytest.raises(ValueError, match="carries the terms of"):
        dataclasses.replace(plan, product="subscription_yearly")


def test_a_payment_issue_is_found_by_its_stored_id_only(
    catalog: Catalog, user_id: uuid.UUID, now: datetime
):
    order = report_order(catalog, user_id=user_id, now=now, status=OrderStatus.EXPIRED)
    fresh = order.pay(receipt=receipt("sig-1"), now=now)
    assert isinstance(fresh, PaymentNeedsReview) and fresh.id is None
    assert order.payment_issue(1) is None  # not stored yet: no id to name it by

    stored = dataclasses.replace(fresh, id=41)
    order.payment_issues = [stored, dataclasses.replace(fresh, id=42)]
    assert order.payment_issue(41) is stored
    assert order.payment_issue(43) is None
