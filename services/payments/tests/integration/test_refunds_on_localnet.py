"""Refunds end to end on the real localnet: staff ask for one over the admin API, the
merchant's own wallet pays its Solana Pay URL, and the watcher marks it sent at finality
(once, with `payments.refund.sent.v1`); a refund paid from another wallet is kept for
staff instead; a failed analysis refunds the order once.

The localnet's clock is manual: one slot confirms what landed, 32 more finalize it.
"""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal
from typing import Any

from solders.keypair import Keypair

from walletreports.contracts.dune_runner import AnalysisFinished
from walletreports.devkit.testing.eventually import eventually
from walletreports.payments.adapters.tables import watched_signatures
from walletreports.payments.domain import Currency, build_transfer_request_url
from walletreports.payments.service_layer.invoicing import new_reference

from .watching import WatchedPayments

REQUESTED = "payments.refund.requested.v1"
SENT = "payments.refund.sent.v1"
STAFF = "refunds@example.com"


async def settle(svc: WatchedPayments, invoice: dict[str, Any], **expected: Any) -> dict:
    await svc.net.advance_slots(1)
    await svc.until_invoice(invoice["invoice_id"], status="processing")
    await svc.net.advance_slots(32)
    return await svc.until_invoice(invoice["invoice_id"], **expected)


async def overpaid(svc: WatchedPayments) -> dict[str, Any]:
    """25 USD asked, 30 USDC paid by the test wallet: 5 USDC over."""
    invoice = await svc.open_invoice("25.00")
    await svc.pay(invoice, amount=Decimal("30"))
    return await settle(svc, invoice, status="settled", reason="paid_over")


async def ask_refund(svc: WatchedPayments, invoice: dict[str, Any], **body: Any) -> Any:
    payload = {"staff_email": STAFF, "note": "paid too much", "currency": "USDC", **body}
    return await svc.http.post(f"/admin/api/invoices/{invoice['invoice_id']}/refunds", json=payload)


async def refunds_of(svc: WatchedPayments, invoice: dict[str, Any], **filters: str) -> list:
    response = await svc.http.get(
        "/admin/api/refunds", params={"invoice_id": invoice["invoice_id"], **filters}
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def until_refund(svc: WatchedPayments, invoice: dict[str, Any], **expected: Any) -> dict:
    async def matches() -> dict[str, Any] | None:
        for refund in (await svc.invoice(invoice["invoice_id"]))["refunds"]:
            if all(refund[k] == v for k, v in expected.items()):
                return dict(refund)
        return None

    return await eventually(matches, timeout=20)


async def test_an_overpayment_refund_paid_by_the_merchant_is_sent_once(
    watched: WatchedPayments,
):
    invoice = await overpaid(watched)

    response = await ask_refund(watched, invoice, reason="overpayment", amount_base_units=5_000_000)

    assert response.status_code == 201, response.text
    refund = response.json()
    assert (refund["status"], refund["reason"], refund["amount"]) == (
        "requested",
        "overpayment",
        "5",
    )
    assert refund["recipient"] == str(watched.net.payer.pubkey())
    assert refund["requested_by"] == f"staff:{STAFF}" and refund["signature"] is None
    assert refund["url"].startswith(f"solana:{refund['recipient']}?amount=5&")
    qr = await watched.http.get(refund["qr_svg_url"])
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
    [shown] = (await watched.invoice(invoice["invoice_id"]))["refunds"]
    assert shown == refund

    [signature] = await watched.net.pay(refund["url"], payer=watched.merchant)
    await watched.net.advance_slots(1)
    await eventually(lambda: watched.count(watched_signatures, signature=signature))
    assert (await until_refund(watched, invoice, refund_id=refund["refund_id"]))["status"] == (
        "requested"  # confirmed is not sent: a fork could still take it away
    )
    await watched.net.advance_slots(32)

    sent = await until_refund(watched, invoice, status="sent")
    assert sent["signature"] == signature and sent["sent_amount_base_units"] == 5_000_000
    await asyncio.sleep(1)  # a few more cycles: nothing is published twice
    subjects = await watched.subjects(invoice["order_id"])
    assert subjects.count(REQUESTED) == subjects.count(SENT) == 1, subjects
    [event] = await watched.emitted(invoice["order_id"], SENT)
    assert (event["refund_id"], event["signature"]) == (refund["refund_id"], signature)
    assert (event["currency"], event["amount_base_units"]) == ("USDC", 5_000_000)
    [listed] = await refunds_of(watched, invoice, status="sent")
    assert listed["refund_id"] == refund["refund_id"]


async def test_a_refund_paid_from_another_wallet_is_not_sent(watched: WatchedPayments):
    invoice = await overpaid(watched)
    refund = (await ask_refund(watched, invoice, reason="overpayment")).json()
    assert refund["amount_base_units"] == 5_000_000  # no amount: the excess
    stranger = Keypair()
    await watched.net.provision_merchant(stranger.pubkey())  # SOL and token accounts
    funding = build_transfer_request_url(
        recipient=stranger.pubkey(),
        currency=Currency.USDC,
        amount_base_units=10_000_000,
        references=[new_reference()],
    )
    await watched.net.pay(funding)
    await watched.net.advance_slots(1)

    # The merchant's address among its keys, so the watcher lists it on the merchant's
    # SOL account (the stranger's transfer touches no account of the merchant's).
    [signature] = await watched.net.pay(
        refund["url"], payer=stranger, extra_references=[watched.merchant.pubkey()]
    )
    await watched.net.advance_slots(33)

    [row] = await watched.until_rejected(signature)
    assert row["reason"] == "refund_not_from_merchant", row
    assert (row["reference"], str(row["invoice_id"])) == (
        refund["reference"],
        invoice["invoice_id"],
    )
    await asyncio.sleep(1)
    [still] = (await watched.invoice(invoice["invoice_id"]))["refunds"]
    assert still["status"] == "requested" and still["signature"] is None
    assert SENT not in await watched.subjects(invoice["order_id"])


async def test_more_than_received_is_409_and_a_cancelled_refund_frees_its_amount(
    watched: WatchedPayments,
):
    invoice = await overpaid(watched)
    everything = await ask_refund(
        watched, invoice, reason="staff_decision", amount_base_units=30_000_000
    )
    assert everything.status_code == 201, everything.text

    more = await ask_refund(watched, invoice, reason="staff_decision", amount_base_units=1)
    assert more.status_code == 409, more.text
    error = more.json()["error"]
    assert error["code"] == "refund_exceeds_received" and error["field"] == "amount_base_units"
    assert error["refundable_base_units"] == 0

    refund_id = everything.json()["refund_id"]
    cancelled = await watched.http.post(
        f"/admin/api/refunds/{refund_id}/cancel",
        json={"staff_email": STAFF, "note": "asked by mistake"},
    )
    assert cancelled.status_code == 200, cancelled.text
    body = cancelled.json()
    assert body["changed"] is True and body["refund"]["status"] == "cancelled"
    assert body["refund"]["cancelled_by"] == f"staff:{STAFF}"
    again = await watched.http.post(
        f"/admin/api/refunds/{refund_id}/cancel", json={"staff_email": STAFF, "note": "twice"}
    )
    assert again.status_code == 200 and again.json()["changed"] is False

    retry = await ask_refund(
        watched, invoice, reason="staff_decision", amount_base_units=30_000_000
    )
    assert retry.status_code == 201, retry.text
    assert len(await refunds_of(watched, invoice)) == 2
    [gone] = await refunds_of(watched, invoice, status="cancelled")
    assert gone["refund_id"] == refund_id


async def test_bad_refund_requests_are_refused_naming_the_field(watched: WatchedPayments):
    invoice = await watched.open_invoice("25.00")
    cases = {
        "amount_base_units": {"reason": "staff_decision", "amount_base_units": 0},
        "reason": {"reason": "because", "amount_base_units": 1},
        "currency": {"reason": "staff_decision", "currency": "BTC", "amount_base_units": 1},
    }
    for field, body in cases.items():
        response = await ask_refund(watched, invoice, **body)
        assert response.status_code == 422, response.text
        assert [f["field"] for f in response.json()["error"]["fields"]] == [field]

    unpaid = await ask_refund(watched, invoice, reason="staff_decision", amount_base_units=1)
    assert unpaid.status_code == 409 and unpaid.json()["error"]["code"] == (
        "refund_nothing_received"
    )
    missing = await watched.http.post(
        f"/admin/api/invoices/{uuid.uuid4()}/refunds",
        json={"staff_email": STAFF, "note": "?", "currency": "USDC", "reason": "overpayment"},
    )
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "invoice_not_found"


def analysis_finished(invoice: dict[str, Any], outcome: str = "failed") -> AnalysisFinished:
    order_id = uuid.UUID(invoice["order_id"])
    return AnalysisFinished(
        analysis_id=uuid.uuid4(),
        order_id=order_id,
        user_id=uuid.uuid4(),
        outcome=outcome,  # type: ignore[arg-type]
        reports=[],
        failed_queries=["transfers"] if outcome == "failed" else [],
        correlation_id=str(order_id),
    )


async def test_a_failed_analysis_refunds_the_order_once(watched: WatchedPayments):
    invoice = await watched.open_invoice("25.00")
    await watched.pay(invoice)
    await settle(watched, invoice, status="settled")

    first, second = analysis_finished(invoice), analysis_finished(invoice)
    await watched.publish(first)
    await watched.handled(first)
    await watched.publish(second)  # a second failure announcement (a retried analysis)
    await watched.handled(second)

    [refund] = await refunds_of(watched, invoice)
    assert (refund["reason"], refund["requested_by"]) == ("analysis_failed", "system")
    assert (refund["currency"], refund["amount_base_units"]) == ("USDC", 25_000_000)
    assert refund["recipient"] == str(watched.net.payer.pubkey())
    [event] = await watched.emitted(invoice["order_id"], REQUESTED)
    assert (event["refund_id"], event["reason"]) == (refund["refund_id"], "analysis_failed")


async def test_a_completed_analysis_refunds_nothing(watched: WatchedPayments):
    invoice = await watched.open_invoice("25.00")
    await watched.pay(invoice)
    await settle(watched, invoice, status="settled")
    done = analysis_finished(invoice, "completed")

    await watched.publish(done)
    await watched.handled(done)

    assert await refunds_of(watched, invoice) == []
    assert REQUESTED not in await watched.subjects(invoice["order_id"])
