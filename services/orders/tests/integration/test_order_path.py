"""The whole order path over the real broker: created -> paid -> processing -> finished,
with duplicate and out-of-order events."""

from __future__ import annotations

import uuid

from walletreports.devkit.testing.eventually import eventually
from walletreports.orders.adapters.tables import inbox, order_history

from .conftest import WALLET, OrdersDriver
from .events import finalized, finished, started


async def test_order_goes_created_paid_processing_completed(svc: OrdersDriver):
    order = await svc.placed()
    assert order["status"] == "pending_payment"
    assert order["wallet_address"] == WALLET
    assert order["price"] == {
        "list_price_usd": "25.00",
        "discount_usd": "0.00",
        "price_usd": "25.00",
        "note": "list price",
    }
    created = await svc.emitted(order["id"], "orders.order.created.v1")
    assert created[0][1]["price_usd"] == "25.00" and created[0][1]["payment_required"] is True

    await svc.publish(finalized(order))
    await svc.wait_status(order["id"], "payment_received")
    await svc.publish(started(order))
    await svc.wait_status(order["id"], "processing")
    await svc.publish(finished(order))
    await svc.wait_status(order["id"], "completed")

    assert await svc.history(order["id"]) == [
        (None, "pending_payment"),
        ("pending_payment", "payment_received"),
        ("payment_received", "processing"),
        ("processing", "completed"),
    ]
    assert await svc.subjects(order["id"]) == [
        "orders.order.created.v1",
        "orders.order.paid.v1",
        "orders.order.status_changed.v1",
        "orders.order.status_changed.v1",
        "orders.order.status_changed.v1",
    ]
    paid = (await svc.emitted(order["id"], "orders.order.paid.v1"))[0][1]
    assert paid["paid_via"] == "payment" and paid["wallet_address"] == WALLET
    detail = (await svc.http.get(f"/v1/orders/{order['id']}")).json()
    assert detail["payment"] == {
        "currency": "USDC",
        "amount_base_units": 25_000_000,
        "signature": "5" * 88,
        "invoice_id": detail["payment"]["invoice_id"],
    }
    assert [h["to_status"] for h in detail["history"]][-1] == "completed"


async def test_partial_and_failed_outcomes(svc: OrdersDriver):
    partial, failed = await svc.placed(), await svc.placed()
    for order, outcome in ((partial, "partial"), (failed, "failed")):
        await svc.publish(finalized(order))
        await svc.wait_status(order["id"], "payment_received")
        await svc.publish(started(order))
        await svc.wait_status(order["id"], "processing")
        await svc.publish(finished(order, outcome, failed=["lp_events"]))
    await svc.wait_status(partial["id"], "partial_complete")
    await svc.wait_status(failed["id"], "failed")
    detail = (await svc.http.get(f"/v1/orders/{partial['id']}")).json()
    assert (
        detail["history"][-1]["reason"] == "analysis finished: partial (failed queries: lp_events)"
    )


async def test_duplicate_events_have_one_effect(svc: OrdersDriver):
    order = await svc.placed()
    # The counters are process-wide: count only what this test adds.
    finish_duplicates = svc.handled("finish_order", "duplicate")
    payment_duplicates = svc.handled("mark_payment_received", "duplicate")
    payment = finalized(order)
    # The same event under two message ids: JetStream's duplicate window cannot catch
    # it, only the inbox stands in the way.
    await svc.publish(payment, msg_id="first")
    await svc.publish(payment, msg_id="again")
    await svc.wait_status(order["id"], "payment_received")
    analysis = started(order)
    await svc.publish(analysis, msg_id=f"a-{analysis.event_id}")
    await svc.publish(analysis, msg_id=f"b-{analysis.event_id}")
    await svc.wait_status(order["id"], "processing")
    done = finished(order)
    await svc.publish(done, msg_id=f"a-{done.event_id}")
    await svc.publish(done, msg_id=f"b-{done.event_id}")
    await svc.wait_status(order["id"], "completed")

    async def duplicates_seen() -> bool:
        return (
            svc.handled("finish_order", "duplicate") - finish_duplicates >= 1
            and svc.handled("mark_payment_received", "duplicate") - payment_duplicates >= 1
        )

    await eventually(duplicates_seen)
    assert [to for _, to in await svc.history(order["id"])] == [
        "pending_payment",
        "payment_received",
        "processing",
        "completed",
    ]
    assert len(await svc.emitted(order["id"], "orders.order.paid.v1")) == 1


async def test_a_second_payment_is_kept_for_staff_not_applied(svc: OrdersDriver):
    order = await svc.placed()
    await svc.publish(finalized(order))
    await svc.wait_status(order["id"], "payment_received")
    # Another transfer (a different signature and event) for the same order.
    await svc.publish(finalized(order, signature="6" * 88))

    async def issue() -> list:
        return (await svc.http.get(f"/v1/orders/{order['id']}")).json()["payment_issues"]

    issues = await eventually(issue)
    assert issues[0]["kind"] == "already_paid" and issues[0]["signature"] == "6" * 88
    assert len(await svc.emitted(order["id"], "orders.order.paid.v1")) == 1


async def test_the_same_payment_reprocessed_under_a_new_event_id_counts_once(svc: OrdersDriver):
    user = uuid.uuid4()
    order = await svc.placed(user_id=user)
    payment = finalized(order)
    await svc.publish(payment)
    await svc.wait_status(order["id"], "payment_received")
    # payments reprocessed the transfer: the same signature and invoice, a new event id,
    # so the inbox cannot tell it is a repeat; only the order can.
    again = payment.model_copy(update={"event_id": uuid.uuid4()})
    await svc.publish(again)
    await eventually(lambda: svc.count(inbox, event_id=again.event_id))

    detail = (await svc.http.get(f"/v1/orders/{order['id']}")).json()
    assert detail["payment_issues"] == []
    assert detail["payment"]["signature"] == payment.signature
    assert len(await svc.emitted(order["id"], "orders.order.paid.v1")) == 1
    with svc.reads_of(order_history) as reads:
        billing = (await svc.http.get(f"/v1/users/{user}/billing")).json()
    assert reads == []  # billing shows no history, so it reads none
    assert [(p["signature"], p["accepted"]) for p in billing["payments"]] == [
        (payment.signature, True)
    ]
    assert billing["spent_base_units"]["USDC"] == payment.amount_base_units


async def test_finished_before_started(svc: OrdersDriver):
    order = await svc.placed()
    await svc.publish(finalized(order))
    await svc.wait_status(order["id"], "payment_received")
    late_start = started(order)
    await svc.publish(finished(order, "completed"))
    await svc.wait_status(order["id"], "completed")
    await svc.publish(late_start)

    async def start_handled() -> bool:
        return await svc.count(inbox, event_id=late_start.event_id) == 1

    await eventually(start_handled)
    assert await svc.status(order["id"]) == "completed"
    assert await svc.history(order["id"]) == [
        (None, "pending_payment"),
        ("pending_payment", "payment_received"),
        ("payment_received", "completed"),
    ]
