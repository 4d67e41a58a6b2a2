"""The staff console's API: list with filters and search, detail with history, actions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from .conftest import OTHER_WALLET, WALLET, OrdersDriver
from .events import finalized, finished

STAFF = {"staff_email": "grace@example.com", "reason": "user asked by email"}


async def _ids(svc: OrdersDriver, query: str) -> set[str]:
    response = await svc.http.get(f"/admin/api/orders?{query}")
    assert response.status_code == 200, response.text
    return {o["id"] for o in response.json()["items"]}


@pytest.fixture
async def three_orders(svc: OrdersDriver) -> dict[str, dict]:
    user = uuid.uuid4()
    email = f"lovelace-{uuid.uuid4().hex[:6]}@example.com"
    first = await svc.placed(user_id=user, email=email)
    second = await svc.placed(user_id=user, email=email, wallet=OTHER_WALLET)
    plan = await svc.placed(user_id=user, email=email, product="subscription_monthly", wallet=None)
    await svc.publish(finalized(second))
    await svc.wait_status(second["id"], "payment_received")
    return {"first": first, "second": second, "plan": plan, "user": str(user), "email": email}


async def test_filters(svc: OrdersDriver, three_orders):
    o = three_orders
    user = f"user_id={o['user']}"
    assert await _ids(svc, user) == {o["first"]["id"], o["second"]["id"], o["plan"]["id"]}
    assert await _ids(svc, f"{user}&status=payment_received") == {o["second"]["id"]}
    assert await _ids(svc, f"{user}&status=payment_received&status=pending_payment") == {
        o["first"]["id"],
        o["second"]["id"],
        o["plan"]["id"],
    }
    assert await _ids(svc, f"{user}&product=subscription_monthly") == {o["plan"]["id"]}
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    assert len(await _ids(svc, f"{user}&created_from={past.replace('+', '%2B')}")) == 3
    assert await _ids(svc, f"{user}&created_from={future.replace('+', '%2B')}") == set()
    page = (await svc.http.get(f"/admin/api/orders?{user}&limit=2&offset=0")).json()
    rest = (await svc.http.get(f"/admin/api/orders?{user}&limit=2&offset=2")).json()
    assert (page["total"], len(page["items"]), len(rest["items"])) == (3, 2, 1)
    # Newest first.
    assert page["items"][0]["id"] == o["plan"]["id"]


async def test_search_by_wallet_order_id_or_email(svc: OrdersDriver, three_orders):
    o = three_orders
    user = f"user_id={o['user']}"
    assert await _ids(svc, f"{user}&q={OTHER_WALLET.lower()}") == {o["second"]["id"]}
    assert await _ids(svc, f"{user}&q={WALLET[:10]}") == {o["first"]["id"]}
    assert await _ids(svc, f"q={o['first']['id']}") == {o["first"]["id"]}
    assert await _ids(svc, f"q={o['first']['id'][:13]}") >= {o["first"]["id"]}
    assert len(await _ids(svc, f"q={o['email'].upper()}")) == 3
    assert await _ids(svc, f"{user}&q=%25") == set()  # a LIKE wildcard is a plain character


async def test_bad_filters_are_refused(svc: OrdersDriver):
    for query, field in [
        ("status=lost", "status"),
        ("user_id=7", "user_id"),
        ("created_from=yesterday", "created_from"),
        ("created_from=2026-02-02T00:00:00Z&created_to=2026-02-01T00:00:00Z", "created_to"),
        ("limit=500", "limit"),
        ("q=" + "x" * 201, "q"),
        ("q=ada%00", "q"),  # PostgreSQL text cannot hold NUL
        ("product=wallet%00report", "product"),
    ]:
        response = await svc.http.get(f"/admin/api/orders?{query}")
        assert response.status_code == 422, query
        error = response.json()["error"]
        assert field in error["message"], (query, error)


async def test_detail_shows_history_with_actors(svc: OrdersDriver, three_orders):
    second = three_orders["second"]
    detail = (await svc.http.get(f"/admin/api/orders/{second['id']}")).json()
    assert [(h["from_status"], h["to_status"], h["actor"]) for h in detail["history"]] == [
        (None, "pending_payment", f"user:{three_orders['user']}"),
        ("pending_payment", "payment_received", "system"),
    ]
    assert detail["user_email"] == three_orders["email"]


async def test_cancel_an_unpaid_order(svc: OrdersDriver, three_orders):
    first = three_orders["first"]
    response = await svc.http.post(f"/admin/api/orders/{first['id']}/cancel", json=STAFF)
    assert response.status_code == 200, response.text
    assert response.json()["changed"] is True
    order = response.json()["order"]
    assert order["status"] == "cancelled"
    assert order["history"][-1] | {"at": None} == {
        "from_status": "pending_payment",
        "to_status": "cancelled",
        "reason": "user asked by email",
        "actor": "staff:grace@example.com",
        "at": None,
    }
    cancelled = (await svc.emitted(first["id"], "orders.order.cancelled.v1"))[0][1]
    assert cancelled["reason"] == "user asked by email"
    again = await svc.http.post(f"/admin/api/orders/{first['id']}/cancel", json=STAFF)
    assert again.status_code == 200 and again.json()["changed"] is False


async def test_a_paid_order_cannot_be_cancelled(svc: OrdersDriver, three_orders):
    second = three_orders["second"]
    before = await svc.counts()
    response = await svc.http.post(f"/admin/api/orders/{second['id']}/cancel", json=STAFF)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "illegal_transition"
    assert "staff refund paid orders instead" in error["message"]
    assert await svc.counts() == before


async def test_mark_paid_by_staff(svc: OrdersDriver, three_orders):
    first = three_orders["first"]
    response = await svc.http.post(
        f"/admin/api/orders/{first['id']}/mark-paid",
        json={"staff_email": "grace@example.com", "reason": "paid by bank transfer"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["order"]["paid_via"] == "staff"
    paid = (await svc.emitted(first["id"], "orders.order.paid.v1"))[0][1]
    assert paid["paid_via"] == "staff"
    unknown_issue = await svc.http.post(
        f"/admin/api/orders/{three_orders['plan']['id']}/mark-paid",
        json=STAFF | {"payment_issue_id": 999999},
    )
    assert unknown_issue.status_code == 422
    assert unknown_issue.json()["error"]["field"] == "payment_issue_id"


async def test_reopen_a_failed_order_and_give_up_on_one(svc: OrdersDriver, three_orders):
    second = three_orders["second"]
    not_failed = await svc.http.post(f"/admin/api/orders/{second['id']}/reopen", json=STAFF)
    assert not_failed.status_code == 409

    await svc.publish(finished(second, "failed", failed=["transfers"]))
    await svc.wait_status(second["id"], "failed")
    response = await svc.http.post(
        f"/admin/api/orders/{second['id']}/reopen",
        json={"staff_email": "grace@example.com", "reason": "Dune outage over; retry"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["order"]["status"] == "payment_received"
    changed = (await svc.emitted(second["id"], "orders.order.status_changed.v1"))[-1][1]
    assert (changed["from_status"], changed["to_status"]) == ("failed", "payment_received")

    gave_up = await svc.http.post(f"/admin/api/orders/{second['id']}/mark-failed", json=STAFF)
    assert gave_up.status_code == 200 and gave_up.json()["order"]["status"] == "failed"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"staff_email": "nobody", "reason": "x"}, "staff_email"),
        ({"staff_email": "grace@example.com", "reason": "   "}, "reason"),
        ({"staff_email": "grace@example.com", "reason": "x" * 501}, "reason"),
        ({"staff_email": "grace@example.com"}, "reason"),
        ({"staff_email": "grace@example.com", "reason": "x", "force": True}, "force"),
        ({"staff_email": "grace@example.com", "reason": "user\x00asked"}, "reason"),
        ({"staff_email": "grace\x00@example.com", "reason": "x"}, "staff_email"),
    ],
)
async def test_bad_action_bodies_are_refused(svc: OrdersDriver, three_orders, body, field):
    before = await svc.counts()
    response = await svc.http.post(
        f"/admin/api/orders/{three_orders['first']['id']}/cancel", json=body
    )
    assert response.status_code == 422
    assert field in [f["field"] for f in response.json()["error"]["fields"]]
    assert await svc.counts() == before


async def test_action_on_unknown_order_is_404(svc: OrdersDriver):
    response = await svc.http.post(f"/admin/api/orders/{uuid.uuid4()}/cancel", json=STAFF)
    assert response.status_code == 404


async def test_subscriptions_list(svc: OrdersDriver, three_orders):
    plan = three_orders["plan"]
    await svc.publish(finalized(plan, currency="SOL", amount_base_units=100_000_000))
    await svc.wait_status(plan["id"], "completed")
    listing = (await svc.http.get("/admin/api/subscriptions?status=active")).json()
    mine = [s for s in listing["items"] if s["user_id"] == three_orders["user"]]
    assert mine and mine[0]["reports_included"] == 30
    bad = await svc.http.get("/admin/api/subscriptions?status=paused")
    assert bad.status_code == 422
