"""Exactly once, where SMTP allows it: a redelivered or duplicated event sends nothing new;
a server that is away is retried until it takes the message; a 550 fails the message at
once, visibly, and staff can resend it; a send whose outcome is unknown is in doubt,
never sent again by itself, and a resend carries the same Message-ID."""

from __future__ import annotations

import asyncio
import uuid

from walletreports.contracts.orders import OrderPaid
from walletreports.devkit.testing.events import (
    consumer_has_settled,
    publish_again_around_the_outbox,
)
from walletreports.devkit.testing.eventually import eventually
from walletreports.devkit.testing.serving import wait_until_ready

from .conftest import WALLET, NotifierDriver

CONSUMER = "notifier__tell_payment_received"
STAFF = {"staff_email": "grace@example.com", "reason": "the user says it never came"}


def order_paid(user_id: uuid.UUID, order_id: uuid.UUID) -> OrderPaid:
    return OrderPaid(
        order_id=order_id,
        user_id=user_id,
        product="wallet_report",
        wallet_address=WALLET,
        paid_via="payment",
        correlation_id=str(order_id),
    )


async def test_a_redelivered_or_duplicated_event_sends_nothing_new(svc: NotifierDriver, nats_url):
    ada = await svc.user()
    order_id = await svc.order(ada)
    event = order_paid(ada.user_id, order_id)
    await svc.publish(event)
    await svc.sink.wait_for(ada.email)
    await svc.publish(event)  # the relay publishing again: JetStream drops it (Nats-Msg-Id)
    await publish_again_around_the_outbox(nats_url, svc.namespace, event)  # the inbox stands
    again = order_paid(ada.user_id, order_id)  # the same payment under a new event id
    await svc.publish(again)
    await svc.handled(again)
    await eventually(lambda: consumer_has_settled(nats_url, svc.namespace, event, CONSUMER, 0))
    await asyncio.sleep(1.0)  # anything sent twice would have arrived by now
    assert len(svc.sink.to(ada.email)) == 1
    assert len(await svc.rows(order_id=order_id)) == 1


async def test_a_server_that_is_away_is_retried_until_it_takes_the_message(svc: NotifierDriver):
    ada = await svc.user()
    order_id = await svc.order(ada)
    await svc.proxy.cut()
    try:
        await svc.publish(order_paid(ada.user_id, order_id))
        row = await svc.row(order_id=order_id)

        async def retried() -> bool:
            effect = await svc.effect(row.id)
            return effect is not None and effect.attempts >= 3 and effect.status == "pending"

        await eventually(retried)
        effect = await svc.effect(row.id)
        assert effect.last_error.startswith("not performed: EffectNotPerformed: connect:")
        assert (await svc.row(id=row.id)).status == "pending"
        body = await wait_until_ready(svc.http, want=503, timeout=15)
        assert body["checks"]["smtp"].startswith("unreachable")
        assert svc.sink.to(ada.email) == []
    finally:
        await svc.proxy.restore()
    (mail,) = await svc.sink.wait_for(ada.email)
    done = await svc.until_status(row.id, "sent")
    assert mail.header("Message-ID") == done.message_id
    await wait_until_ready(svc.http, timeout=15)
    metrics = (await svc.http.get("/metrics")).text
    assert 'notifier_notifications_total{channel="email",outcome="retried"}' in metrics
    assert 'notifier_notifications_total{channel="email",outcome="sent"}' in metrics


async def test_a_refused_address_fails_visibly_and_staff_can_resend(svc: NotifierDriver):
    ada = await svc.user()
    order_id = await svc.order(ada)
    svc.sink.refuse(ada.email)
    await svc.publish(order_paid(ada.user_id, order_id))
    row = await svc.until_status((await svc.row(order_id=order_id)).id, "failed")
    assert row.reason_code == "undeliverable" and "550" in row.reason
    assert (await svc.effect(row.id)).attempts == 1  # a 5xx is for good: not retried

    listed = (
        await svc.http.get("/admin/api/notifications", params={"status": "failed", "q": ada.email})
    ).json()
    assert [item["notification_id"] for item in listed["items"]] == [str(row.id)]
    assert listed["items"][0]["reason_code"] == "undeliverable"

    svc.sink.accept(ada.email)  # the user fixed their mailbox
    response = await svc.http.post(f"/admin/api/notifications/{row.id}/resend", json=STAFF)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["kind"] == "same_message"
    assert body["notification"]["status"] == "pending"
    assert body["notification"]["last_resent_by"] == "staff:grace@example.com"
    (mail,) = await svc.sink.wait_for(ada.email)
    assert mail.header("Message-ID") == row.message_id
    sent = await svc.until_status(row.id, "sent")
    assert sent.resends == 1
    again = await svc.http.post(f"/admin/api/notifications/{row.id}/resend", json=STAFF)
    assert (
        again.status_code == 409 and again.json()["error"]["code"] == "notification_not_resendable"
    )


async def test_an_unknown_outcome_is_in_doubt_and_never_sent_again_by_itself(svc: NotifierDriver):
    ada = await svc.user()
    order_id = await svc.order(ada)
    svc.sink.answer_slowly(ada.email, 8.0)  # longer than the client waits for DATA's answer
    await svc.publish(order_paid(ada.user_id, order_id))
    row = await svc.until_status((await svc.row(order_id=order_id)).id, "in_doubt", timeout=20)
    assert row.reason_code == "delivery_unknown" and "DATA" in row.reason
    await asyncio.sleep(1.0)
    # (This sink drops a message whose client hung up; a real server may well keep it.)
    assert svc.sink.to(ada.email) == [] and (await svc.effect(row.id)).status == "in_doubt"
    detail = (await svc.http.get(f"/admin/api/notifications/{row.id}")).json()
    assert detail["status"] == "in_doubt" and detail["send"]["status"] == "in_doubt"

    svc.sink.accept(ada.email)
    assert (
        await svc.http.post(f"/admin/api/notifications/{row.id}/resend", json=STAFF)
    ).status_code == 200
    (mail,) = await svc.sink.wait_for(ada.email)
    assert mail.header("Message-ID") == row.message_id  # a copy that did arrive is recognisable
    await svc.until_status(row.id, "sent")
