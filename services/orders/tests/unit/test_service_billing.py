"""billing.for_user against the fake unit of work: money the orders took, and did not."""

from __future__ import annotations

import uuid
from datetime import datetime

from walletreports.orders.domain import Catalog, Currency, OrderStatus
from walletreports.orders.service_layer import billing

from .given import receipt, report_order, unit_of_work

S = OrderStatus


async def test_billing_counts_payments_taken_and_lists_the_ones_not_taken(
    catalog: Catalog, user_id: uuid.UUID, now: datetime
):
    paid = report_order(catalog, user_id=user_id, now=now, status=S.COMPLETED)
    expired = report_order(catalog, user_id=user_id, now=now, status=S.EXPIRED)
    expired.pay(receipt=receipt("sig-late", 70_000_000), now=now)
    someone_elses = report_order(catalog, user_id=uuid.uuid4(), now=now, status=S.COMPLETED)
    uow = unit_of_work(paid, expired, someone_elses)

    summary = await billing.for_user(uow, user_id=user_id, now=now)

    assert {line.order_id for line in summary.orders} == {paid.id, expired.id}
    assert paid.payment is not None
    assert summary.spent_base_units[Currency.SOL] == paid.payment.amount_base_units
    assert sorted((p.signature, p.accepted) for p in summary.payments) == [
        ("sig-late", False),
        ("sig-paid", True),
    ]
    assert summary.reports_completed == 1 and summary.is_subscriber is False
    assert uow.orders.saves == [] and uow.events == []
