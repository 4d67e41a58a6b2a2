"""Bad data is recorded with its reason and the consumer goes on: an unknown user or
order, a contact without an address, an event whose template cannot render; a user's
choices are respected (skipped, with why)."""

from __future__ import annotations

import uuid

from walletreports.contracts.dune_runner import AnalysisFinished, AnalysisStarted, ReportRef
from walletreports.contracts.orders import OrderPaid
from walletreports.contracts.payments import RefundSent
from walletreports.notifier.adapters.tables import inbox

from .conftest import WALLET, NotifierDriver, an_address

STAFF = {"staff_email": "grace@example.com"}


def order_paid(user_id: uuid.UUID, order_id: uuid.UUID | None = None) -> OrderPaid:
    order_id = order_id or uuid.uuid4()
    return OrderPaid(
        order_id=order_id,
        user_id=user_id,
        product="wallet_report",
        wallet_address=WALLET,
        paid_via="payment",
        correlation_id=str(order_id),
    )


async def test_an_unknown_user_is_refused_with_the_reason_and_the_consumer_goes_on(
    svc: NotifierDriver,
):
    stranger = uuid.uuid4()
    event = order_paid(stranger)
    await svc.publish(event)
    row = await svc.row(order_id=event.order_id)
    assert (row.status, row.reason_code, row.recipient) == ("refused", "unknown_user", None)
    assert str(stranger) in row.reason
    # handled (not an error, not retried), and the next event of that consumer goes through
    assert await svc.count(inbox, event_id=event.event_id, outcome=None) == 1
    ada = await svc.user()
    await svc.publish(order_paid(ada.user_id))
    await svc.sink.wait_for(ada.email)

    listed = (
        await svc.http.get(
            "/admin/api/notifications", params={"status": "refused", "q": str(event.order_id)}
        )
    ).json()
    assert [(i["reason_code"], i["user_id"]) for i in listed["items"]] == [
        ("unknown_user", str(stranger))
    ]

    # Once web has told us who they are, staff can resend it: composed afresh.
    stranger_email = an_address("late")
    from walletreports.contracts.web import UserRegistered

    registered = UserRegistered(user_id=stranger, email=stranger_email, display_name="Late Larry")
    await svc.publish(registered)
    await svc.handled(registered)
    resent = await svc.http.post(f"/admin/api/notifications/{row.id}/resend", json=STAFF)
    assert resent.status_code == 200, resent.text
    assert resent.json()["kind"] == "compose_again"
    (mail,) = await svc.sink.wait_for(stranger_email)
    assert (
        mail.header("Subject") == "We've received your payment!" and "Hi Late Larry," in mail.text
    )
    await svc.until_status(row.id, "sent")


async def test_an_event_for_an_unknown_order_is_refused(svc: NotifierDriver):
    order_id = uuid.uuid4()
    event = RefundSent(
        refund_id=uuid.uuid4(),
        invoice_id=uuid.uuid4(),
        order_id=order_id,
        currency="USDC",
        amount_base_units=1,
        recipient="9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin",
        signature="3" * 88,
    )
    await svc.publish(event)
    row = await svc.row(order_id=order_id)
    assert (row.status, row.reason_code, row.audience) == (
        "refused",
        "unknown_order",
        f"owner:{order_id}",
    )


async def test_a_contact_without_an_address_is_refused(svc: NotifierDriver):
    nobody = await svc.user(email="not-an-address")
    event = order_paid(nobody.user_id)
    await svc.publish(event)
    row = await svc.row(order_id=event.order_id)
    assert (row.status, row.reason_code) == ("refused", "no_address")


async def test_an_event_whose_template_cannot_render_is_refused_with_why(svc: NotifierDriver):
    ada = await svc.user()
    order_id = await svc.order(ada)
    event = AnalysisFinished(
        analysis_id=uuid.uuid4(),
        order_id=order_id,
        user_id=ada.user_id,
        outcome="completed",
        reports=[
            ReportRef(query_name="x", file_name="../../etc/passwd", size_bytes=1, sha256="0" * 64)
        ],
        failed_queries=[],
        correlation_id=str(order_id),
    )
    await svc.publish(event)
    row = await svc.row(order_id=order_id)
    assert (row.status, row.reason_code) == ("refused", "cannot_render")
    assert "not a plain file name" in row.reason
    detail = (await svc.http.get(f"/admin/api/notifications/{row.id}")).json()
    assert (
        detail["send"] is None
        and detail["context"]["reports"][0]["file_name"] == "../../etc/passwd"
    )
    assert svc.sink.to(ada.email) == []


async def test_a_category_the_user_turned_off_is_skipped_and_not_resendable(svc: NotifierDriver):
    ada = await svc.user(processing_started=False)
    order_id = await svc.order(ada)
    event = AnalysisStarted(
        analysis_id=uuid.uuid4(), order_id=order_id, user_id=ada.user_id, queries=["a"]
    )
    await svc.publish(event)
    row = await svc.row(order_id=order_id)
    assert (row.status, row.reason_code) == ("skipped", "opted_out")
    refused = await svc.http.post(f"/admin/api/notifications/{row.id}/resend", json=STAFF)
    assert refused.status_code == 409
    assert svc.sink.to(ada.email) == []
