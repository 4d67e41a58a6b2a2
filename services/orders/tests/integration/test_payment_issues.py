"""Unpaid orders expiring, money that arrives late or for nothing, and events the
order cannot take: each ends in a clear state, none is retried forever."""

from __future__ import annotations

import uuid

from walletreports.devkit.testing.eventually import eventually
from walletreports.orders.adapters.tables import inbox, payment_issues

from .conftest import OrdersDriver
from .events import finalized, finished, invoice_expired, paid_late

STAFF = {"staff_email": "grace@example.com", "reason": "payment seen on Solscan, accepted"}


async def _issues(svc: OrdersDriver, order_id: str) -> list[dict]:
    return (await svc.http.get(f"/v1/orders/{order_id}")).json()["payment_issues"]


async def test_invoice_expiry_then_payment_goes_to_staff_who_accept_it(svc: OrdersDriver):
    user = uuid.uuid4()
    order = await svc.placed(user_id=user)
    await svc.publish(invoice_expired(order))
    await svc.wait_status(order["id"], "expired")
    assert "orders.order.expired.v1" in await svc.subjects(order["id"])

    # The money arrives anyway: the order stays expired, staff see it.
    await svc.publish(finalized(order, currency="SOL", amount_base_units=150_000_000))
    issues = await eventually(lambda: _issues(svc, order["id"]))
    assert (
        issues[0]["kind"] == "paid_after_expiry" and issues[0]["amount_base_units"] == 150_000_000
    )
    assert await svc.status(order["id"]) == "expired"

    billing = (await svc.http.get(f"/v1/users/{user}/billing")).json()
    assert billing["spent_base_units"]["SOL"] == 0
    assert billing["payments"][0]["accepted"] is False

    with svc.reads_of(payment_issues) as reads:
        accepted = await svc.http.post(
            f"/admin/api/orders/{order['id']}/mark-paid",
            json=STAFF | {"payment_issue_id": issues[0]["id"]},
        )
    assert accepted.status_code == 200, accepted.text
    # Once with the order it changes (the accepted issue among them), once for the answer.
    assert len(reads) == 2, reads
    assert accepted.json()["order"]["status"] == "payment_received"
    assert accepted.json()["order"]["paid_via"] == "staff"
    assert accepted.json()["order"]["history"][-1]["actor"] == "staff:grace@example.com"
    paid = (await svc.emitted(order["id"], "orders.order.paid.v1"))[0][1]
    assert paid["paid_via"] == "staff"

    billing = (await svc.http.get(f"/v1/users/{user}/billing")).json()
    assert billing["spent_base_units"] == {"USDC": 0, "USDT": 0, "SOL": 150_000_000}
    assert [p["accepted"] for p in billing["payments"]] == [True]  # counted once


async def test_invoice_paid_late_is_noted_for_staff(svc: OrdersDriver):
    order = await svc.placed()
    await svc.publish(paid_late(order))
    issues = await eventually(lambda: _issues(svc, order["id"]))
    assert issues[0]["kind"] == "paid_late" and issues[0]["currency"] == "USDT"
    assert await svc.status(order["id"]) == "pending_payment"


async def test_expiry_after_payment_changes_nothing(svc: OrdersDriver):
    order = await svc.placed()
    await svc.publish(finalized(order))
    await svc.wait_status(order["id"], "payment_received")
    late = invoice_expired(order)
    await svc.publish(late)
    await eventually(lambda: svc.count(inbox, event_id=late.event_id))
    assert await svc.status(order["id"]) == "payment_received"
    assert "orders.order.expired.v1" not in await svc.subjects(order["id"])


async def test_events_the_order_cannot_take_are_acknowledged_not_retried(svc: OrdersDriver):
    # A finish for an unpaid order (illegal) and a payment for an order that does not exist:
    # both are logged and acknowledged (the inbox has them), nothing changes.
    order = await svc.placed()
    # The counters are process-wide: other tests (and modules) move them too.
    failed_before = (
        svc.handled("finish_order", "failed"),
        svc.handled("mark_payment_received", "failed"),
    )
    illegal = finished(order)
    ghost = finalized({"id": str(uuid.uuid4())})
    await svc.publish(illegal)
    await svc.publish(ghost)
    await eventually(lambda: svc.count(inbox, event_id=illegal.event_id))
    await eventually(lambda: svc.count(inbox, event_id=ghost.event_id))
    assert await svc.status(order["id"]) == "pending_payment"
    assert svc.handled("finish_order", "failed") - failed_before[0] == 0
    assert svc.handled("mark_payment_received", "failed") - failed_before[1] == 0
