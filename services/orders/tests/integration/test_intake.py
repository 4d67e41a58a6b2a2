"""dune_runner pausing and resuming intake: new orders are refused with a clear message
while paused; the newest intake event wins whatever order they arrive in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from walletreports.contracts.dune_runner import IntakePaused, IntakeResumed
from walletreports.devkit.testing.eventually import eventually
from walletreports.orders.adapters.tables import inbox

from .conftest import OrdersDriver


async def _refused(svc: OrdersDriver) -> bool:
    return (await svc.place()).status_code == 503


async def _accepted(svc: OrdersDriver) -> bool:
    return (await svc.place()).status_code == 201


async def test_paused_intake_refuses_new_orders_until_resumed(svc: OrdersDriver):
    now = datetime.now(UTC)
    await svc.publish(IntakePaused(reason="daily Dune budget reached", occurred_at=now))
    await eventually(lambda: _refused(svc))

    before = await svc.counts()
    response = await svc.place()
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "intake_paused"
    assert error["message"] == (
        "new orders are paused for now: daily Dune budget reached; please try again later"
    )
    assert await svc.counts() == before
    state = (await svc.http.get("/admin/api/intake")).json()
    assert (state["paused"], state["reason"]) == (True, "daily Dune budget reached")

    resumed = IntakeResumed(reason="budget reset", occurred_at=now + timedelta(seconds=1))
    # A pause older than the resume, arriving after it (redelivered), must not win.
    stale = IntakePaused(reason="old news", occurred_at=now + timedelta(milliseconds=500))
    await svc.publish(resumed)
    await eventually(lambda: _accepted(svc))
    await svc.publish(stale)
    await eventually(lambda: svc.count(inbox, event_id=stale.event_id))
    assert (await svc.place()).status_code == 201
