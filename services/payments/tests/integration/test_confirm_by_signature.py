"""Confirm by signature ("I already paid") against the real localnet, with the watcher
slowed to one look at start so every answer here is the endpoint's own."""

from __future__ import annotations

import pytest
from solders.keypair import Keypair
from solders.signature import Signature

from .watching import WatchedPayments

FINALIZED = "payments.payment.finalized.v1"


@pytest.fixture(scope="module")
def service_env() -> dict[str, str]:
    return {"PAYMENTS_WATCH_INTERVAL_SECONDS": "300", "PAYMENTS_WATCH_PUSH": "false"}


async def confirm(svc: WatchedPayments, invoice_id: str, signature: str):
    return await svc.http.post(f"/v1/invoices/{invoice_id}/confirm", json={"signature": signature})


async def test_a_good_payment_confirms_at_once_and_settles_at_finality(watched: WatchedPayments):
    invoice = await watched.open_invoice("25.00")
    signature = await watched.pay(invoice, "USDT")
    await watched.net.advance_slots(1)

    response = await confirm(watched, invoice["invoice_id"], signature)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "processing"
    assert [t["signature"] for t in body["transfers"]] == [signature]

    await watched.net.advance_slots(32)
    again = await confirm(watched, invoice["invoice_id"], signature)
    assert again.status_code == 200 and again.json()["status"] == "settled"
    third = await confirm(watched, invoice["invoice_id"], signature)
    assert third.status_code == 200
    assert (await watched.subjects(invoice["order_id"])).count(FINALIZED) == 1


async def test_a_signature_that_paid_another_invoice_is_a_conflict(watched: WatchedPayments):
    paid = await watched.open_invoice("25.00")
    other = await watched.open_invoice("25.00")
    signature = await watched.pay(paid)
    await watched.net.advance_slots(1)
    assert (await confirm(watched, paid["invoice_id"], signature)).status_code == 200

    response = await confirm(watched, other["invoice_id"], signature)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "signature_used"
    assert (await watched.invoice(other["invoice_id"]))["transfers"] == []


async def test_a_payment_of_another_invoice_is_a_conflict_and_still_counts_there(
    watched: WatchedPayments,
):
    paid = await watched.open_invoice("25.00")
    other = await watched.open_invoice("25.00")
    signature = await watched.pay(paid)
    await watched.net.advance_slots(1)

    response = await confirm(watched, other["invoice_id"], signature)

    assert response.status_code == 409 and response.json()["error"]["code"] == "signature_used"
    assert (await watched.invoice(paid["invoice_id"]))["status"] == "processing"


async def test_a_failed_transaction_is_refused_with_its_reason(watched: WatchedPayments):
    invoice = await watched.open_invoice("25.00")
    signature = await watched.pay(invoice, fail=True)
    await watched.net.advance_slots(1)

    response = await confirm(watched, invoice["invoice_id"], signature)

    assert response.status_code == 422
    body = response.json()
    assert (
        body["error"]["code"] == "transfer_not_valid"
        and body["error"]["reason"] == "transaction_failed"
    )
    assert (await watched.invoice(invoice["invoice_id"]))["status"] == "new"


async def test_unknown_transactions_and_invoices_are_not_found(watched: WatchedPayments):
    invoice = await watched.open_invoice("25.00")
    unknown = str(Signature(bytes(Keypair().pubkey()) * 2))

    response = await confirm(watched, invoice["invoice_id"], unknown)
    assert (
        response.status_code == 404 and response.json()["error"]["code"] == "transaction_not_found"
    )

    nobody = "00000000-0000-4000-8000-000000000000"
    response = await confirm(watched, nobody, unknown)
    assert response.status_code == 404 and response.json()["error"]["code"] == "invoice_not_found"


@pytest.mark.parametrize("bad", ["", "not-base58-0OIl", "1" * 20, 123, None])
async def test_a_malformed_signature_is_422(watched: WatchedPayments, bad):
    invoice = await watched.open_invoice("25.00")
    response = await watched.http.post(
        f"/v1/invoices/{invoice['invoice_id']}/confirm", json={"signature": bad}
    )
    assert response.status_code == 422, response.text
