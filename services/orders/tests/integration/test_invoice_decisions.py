"""Staff decisions in payments' console reaching orders over the real broker: a settled
invoice pays the order by staff, an invalid one expires it; each once."""

from __future__ import annotations

import uuid

from walletreports.contracts.payments import InvoiceMarkedInvalid, InvoiceMarkedSettled
from walletreports.devkit.testing.eventually import eventually
from walletreports.orders.adapters.tables import inbox

from .conftest import OrdersDriver

BY = "staff:grace@example.com"
NOTE = "paid by bank transfer, checked by finance"


def _decision(kind: type[InvoiceMarkedSettled | InvoiceMarkedInvalid], order: dict):
    return kind(
        invoice_id=uuid.uuid4(),
        order_id=uuid.UUID(order["id"]),
        by=BY,
        note=NOTE,
        correlation_id=order["id"],
    )


async def test_an_invoice_marked_settled_pays_the_order_by_staff_once(svc: OrdersDriver):
    order = await svc.placed()
    settled = _decision(InvoiceMarkedSettled, order)

    await svc.publish(settled)
    await svc.wait_status(order["id"], "payment_received")

    detail = (await svc.http.get(f"/v1/orders/{order['id']}")).json()
    assert detail["paid_via"] == "staff" and detail["payment"] is None
    assert detail["history"][-1]["actor"] == BY and NOTE in detail["history"][-1]["reason"]
    [(_, paid)] = await svc.emitted(order["id"], "orders.order.paid.v1")
    assert paid["paid_via"] == "staff"

    # The same decision again (a replay under a new event id): nothing more happens.
    again = _decision(InvoiceMarkedSettled, order)
    await svc.publish(again)
    await eventually(lambda: svc.count(inbox, event_id=again.event_id))
    assert len(await svc.emitted(order["id"], "orders.order.paid.v1")) == 1
    assert svc.handled("mark_paid_by_staff", "refused") == 0


async def test_an_invoice_marked_invalid_expires_the_order(svc: OrdersDriver):
    order = await svc.placed()

    await svc.publish(_decision(InvoiceMarkedInvalid, order))
    await svc.wait_status(order["id"], "expired")

    assert "orders.order.expired.v1" in await svc.subjects(order["id"])
    assert await svc.history(order["id"]) == [
        (None, "pending_payment"),
        ("pending_payment", "expired"),
    ]

    # Staff change their mind in payments (invalid -> settled): the order is paid.
    await svc.publish(_decision(InvoiceMarkedSettled, order))
    await svc.wait_status(order["id"], "payment_received")
