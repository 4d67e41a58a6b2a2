"""The staff console's notifications API: filters, search, pages, one notification with
its send, bad query values; every answer in the documented shape."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from walletreports.contracts.orders import OrderPaid

from .conftest import WALLET, NotifierDriver


async def _paid(svc: NotifierDriver) -> tuple[str, uuid.UUID, uuid.UUID]:
    ada = await svc.user()
    order_id = await svc.order(ada)
    await svc.publish(
        OrderPaid(
            order_id=order_id,
            user_id=ada.user_id,
            product="wallet_report",
            wallet_address=WALLET,
            paid_via="payment",
            correlation_id=str(order_id),
        )
    )
    await svc.sink.wait_for(ada.email)
    row = await svc.until_status((await svc.row(order_id=order_id)).id, "sent")
    return ada.email, order_id, row.id


async def test_filters_and_search(svc: NotifierDriver):
    email, order_id, notification_id = await _paid(svc)
    today = datetime.now(UTC).date()

    async def ids(**params) -> list[str]:
        response = await svc.http.get("/admin/api/notifications", params=params)
        assert response.status_code == 200, response.text
        return [item["notification_id"] for item in response.json()["items"]]

    mine = str(notification_id)
    assert await ids(q=email) == [mine]
    assert await ids(q=email.upper()) == [mine]
    assert await ids(q=str(order_id)) == [mine]
    assert await ids(q=mine) == [mine]
    row = await svc.row(id=notification_id)
    assert await ids(q=row.message_id) == [mine]
    assert mine in await ids(status="sent", template="payment_received", channel="email", limit=100)
    assert mine in await ids(
        status=["failed", "sent"],
        created_from=today.isoformat(),
        created_to=today.isoformat(),
        limit=100,
    )
    assert mine not in await ids(status="failed", limit=100)
    assert mine not in await ids(template="reports_ready", limit=100)
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert await ids(created_from=tomorrow) == []

    page = (await svc.http.get("/admin/api/notifications", params={"q": email, "limit": 1})).json()
    (item,) = page["items"]
    assert (page["total"], page["limit"], page["offset"]) == (1, 1, 0)
    assert item["category"] == "payment_received" and item["attempts"] == 1 and item["resends"] == 0
    assert item["subject"] == "We've received your payment!" and item["recipient"] == email


async def test_one_notification_with_its_send(svc: NotifierDriver):
    _, order_id, notification_id = await _paid(svc)
    detail = (await svc.http.get(f"/admin/api/notifications/{notification_id}")).json()
    assert detail["fact"] == f"order:{order_id}" and detail["audience"].startswith("user:")
    assert detail["send"]["status"] == "done" and detail["send"]["attempts"] == 1
    assert "We've received your payment" in detail["text"]
    assert detail["context"]["order_id"] == str(order_id)
    missing = await svc.http.get(f"/admin/api/notifications/{uuid.uuid4()}")
    assert (
        missing.status_code == 404 and missing.json()["error"]["code"] == "notification_not_found"
    )


async def test_bad_query_values_are_named(svc: NotifierDriver):
    bad = await svc.http.get("/admin/api/notifications", params={"status": "lost"})
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "status.0"
    backwards = await svc.http.get(
        "/admin/api/notifications",
        params={"created_from": "2026-02-02", "created_to": "2026-02-01"},
    )
    assert backwards.status_code == 422 and backwards.json()["error"]["field"] == "created_to"
    unauthorized = await svc.http.get(
        "/admin/api/notifications", headers={"Authorization": "Bearer nope"}
    )
    assert unauthorized.status_code == 401
