"""The second seed's subscription: bought as an order, activated by its payment, covering
reports until its allowance is used, then discounting them, expiring on schedule."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from walletreports.devkit.testing.eventually import eventually
from walletreports.orders.adapters.tables import inbox, orders, subscriptions

from .conftest import OrdersDriver
from .events import finalized


@pytest.fixture(scope="module")
def service_env(tmp_path_factory: pytest.TempPathFactory, catalog_path: Path) -> dict[str, str]:
    # The shipped plan includes 30 reports; 2 keep the test short and prove the same rule.
    catalog = tmp_path_factory.mktemp("catalog") / "catalog.toml"
    shipped = catalog_path.read_text()
    assert "reports_included = 30" in shipped
    catalog.write_text(shipped.replace("reports_included = 30", "reports_included = 2"))
    return {"ORDERS_CATALOG_PATH": str(catalog)}


async def _subscription(svc: OrdersDriver, user: uuid.UUID) -> dict:
    listing = (await svc.http.get(f"/admin/api/subscriptions?user_id={user}")).json()
    return listing["items"][0] if listing["items"] else {}


async def _buy_plan(svc: OrdersDriver, user: uuid.UUID) -> dict:
    plan = await svc.placed(user_id=user, product="subscription_monthly", wallet=None)
    assert (plan["price"]["price_usd"], plan["payment_required"]) == ("6.00", True)
    await svc.publish(finalized(plan, currency="SOL", amount_base_units=100_000_000))
    await svc.wait_status(plan["id"], "completed")
    return plan


async def test_plan_covers_then_discounts_then_expires(svc: OrdersDriver):
    user = uuid.uuid4()
    plan = await _buy_plan(svc, user)
    assert [to for _, to in await svc.history(plan["id"])] == [
        "pending_payment",
        "payment_received",
        "completed",
    ]
    activated = (await svc.emitted(plan["id"], "orders.subscription.activated.v1"))[0][1]
    assert activated["user_id"] == str(user) and activated["reports_included"] == 2
    sub = await _subscription(svc, user)
    assert (sub["status"], sub["reports_used"], sub["reports_included"]) == ("active", 0, 2)

    # Two reports covered: paid at once, nothing to pay, order.paid via subscription.
    for used in (1, 2):
        covered = await svc.placed(user_id=user)
        assert covered["status"] == "payment_received"
        assert covered["paid_via"] == "subscription"
        assert covered["payment_required"] is False
        assert covered["price"]["price_usd"] == "0.00"
        assert covered["covered_by_subscription_id"] == sub["id"]
        created, paid, _ = await svc.emitted(covered["id"])
        assert created[1]["payment_required"] is False and created[1]["price_usd"] == "0.00"
        assert paid[1]["paid_via"] == "subscription"
        assert (await _subscription(svc, user))["reports_used"] == used

    # Allowance used: the plan's 20 % off 25.00, to be paid.
    discounted = await svc.placed(user_id=user)
    assert discounted["status"] == "pending_payment"
    assert discounted["price"] | {"note": ""} == {
        "list_price_usd": "25.00",
        "discount_usd": "5.00",
        "price_usd": "20.00",
        "note": "",
    }
    await svc.publish(finalized(discounted, currency="USDC", amount_base_units=20_000_000))
    await svc.wait_status(discounted["id"], "payment_received")

    billing = (await svc.http.get(f"/v1/users/{user}/billing")).json()
    assert billing["spent_usd"] == "26.00"
    assert billing["spent_base_units"] == {"USDC": 20_000_000, "USDT": 0, "SOL": 100_000_000}
    assert billing["total_payments"] == 2
    assert billing["is_subscriber"] is True
    assert billing["subscription"] | {"expires_at": None} == {
        "plan": "subscription_monthly",
        "status": "active",
        "reports_used": 2,
        "reports_included": 2,
        "reports_remaining": 0,
        "expires_at": None,
    }
    assert [o["paid_via"] for o in billing["orders"]] == [
        "payment",
        "subscription",
        "subscription",
        "payment",
    ]

    # Time passes: the plan's end moves into the past; the schedule expires it.
    await _move_expiry(svc, user, datetime.now(UTC) - timedelta(seconds=1))
    await eventually(lambda: _has_status(svc, user, "expired"))
    expired = await svc.emitted(subject="orders.subscription.expired.v1")
    assert [e for _, e in expired if e["user_id"] == str(user)]
    after = await svc.placed(user_id=user)
    assert after["price"]["price_usd"] == "25.00"
    billing = (await svc.http.get(f"/v1/users/{user}/billing")).json()
    assert billing["is_subscriber"] is False and billing["subscription"]["status"] == "expired"


async def test_buying_again_while_active_extends_the_plan(svc: OrdersDriver):
    user = uuid.uuid4()
    await _buy_plan(svc, user)
    first = await _subscription(svc, user)
    await _buy_plan(svc, user)
    extended = await _subscription(svc, user)
    assert extended["id"] == first["id"]
    assert extended["reports_included"] == 4
    gained = datetime.fromisoformat(extended["expires_at"]) - datetime.fromisoformat(
        first["expires_at"]
    )
    assert gained == timedelta(days=30)


async def test_two_orders_at_once_cannot_both_take_the_last_included_report(svc: OrdersDriver):
    user = uuid.uuid4()
    await _buy_plan(svc, user)
    await svc.placed(user_id=user)  # one of two used; one left
    both = await asyncio.gather(svc.placed(user_id=user), svc.placed(user_id=user))
    assert sorted(o["price"]["price_usd"] for o in both) == ["0.00", "20.00"]
    assert (await _subscription(svc, user))["reports_used"] == 2


async def test_paying_for_a_plan_reads_its_order_once(svc: OrdersDriver):
    plan = await svc.placed(product="subscription_monthly", wallet=None)
    payment = finalized(plan, currency="SOL", amount_base_units=100_000_000)
    with svc.reads_of(orders) as reads:
        await svc.publish(payment)
        await eventually(lambda: svc.count(inbox, event_id=payment.event_id))
    # Locked with its plan terms; activating the plan needs no second look at the row.
    assert len(reads) == 1, reads
    assert await svc.status(plan["id"]) == "completed"


async def _move_expiry(svc: OrdersDriver, user: uuid.UUID, when: datetime) -> None:
    async with svc.service.runtime.db.sessions() as session, session.begin():
        await session.execute(
            update(subscriptions).where(subscriptions.c.user_id == user).values(expires_at=when)
        )


async def _has_status(svc: OrdersDriver, user: uuid.UUID, status: str) -> bool:
    return (await _subscription(svc, user)).get("status") == status
