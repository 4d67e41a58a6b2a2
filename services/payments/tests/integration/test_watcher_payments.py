"""The chain watcher against the real localnet: the test wallet pays invoices, good and
bad, and each ends in the right state with the right reason; a good one publishes
payment.detected, payment.confirmed, and payment.finalized exactly once.

The localnet's clock is manual: one slot confirms what landed, 32 more finalize it.
"""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

from solders.pubkey import Pubkey

from walletreports.payments.adapters.tables import watched_signatures

from .watching import WatchedPayments

DETECTED = "payments.payment.detected.v1"
CONFIRMED = "payments.payment.confirmed.v1"
FINALIZED = "payments.payment.finalized.v1"


async def settle(svc: WatchedPayments, invoice: dict, **expected) -> dict:
    await svc.net.advance_slots(1)
    await svc.until_invoice(invoice["invoice_id"], status="processing")
    await svc.net.advance_slots(32)
    return await svc.until_invoice(invoice["invoice_id"], **expected)


async def test_a_good_payment_in_each_currency_settles_once(watched: WatchedPayments):
    for currency in ("USDC", "USDT", "SOL"):
        invoice = await watched.open_invoice("25.00")
        signature = await watched.pay(invoice, currency)

        settled = await settle(watched, invoice, status="settled")

        assert settled["reason"] is None
        [transfer] = settled["transfers"]
        assert transfer["signature"] == signature and transfer["currency"] == currency
        assert transfer["commitment"] == "finalized"
        assert transfer["payer"] == str(watched.net.payer.pubkey())
        await asyncio.sleep(1)  # a few more cycles: nothing is published twice
        subjects = await watched.subjects(invoice["order_id"])
        assert subjects.count(DETECTED) == subjects.count(CONFIRMED) == 1
        assert subjects.count(FINALIZED) == 1, subjects
        finalized = next(
            json.loads(e["payload"])
            for e in await watched.emitted_with_subjects(invoice["order_id"])
            if e["subject"] == FINALIZED
        )
        assert finalized["signature"] == signature
        method = next(m for m in invoice["methods"] if m["currency"] == currency)
        assert finalized["amount_base_units"] == method["amount_base_units"]


async def test_an_underpayment_is_partial_and_an_overpayment_settles_over(
    watched: WatchedPayments,
):
    short = await watched.open_invoice("25.00")
    await watched.pay(short, amount=Decimal("24.99"))
    await settle(watched, short, status="processing", reason="paid_partial")
    assert "payments.invoice.underpaid.v1" in await watched.subjects(short["order_id"])

    over = await watched.open_invoice("25.00")
    await watched.pay(over, amount=Decimal("30"))
    await settle(watched, over, status="settled", reason="paid_over")
    subjects = await watched.subjects(over["order_id"])
    assert FINALIZED in subjects and "payments.invoice.overpaid.v1" in subjects


async def test_two_transfers_add_up(watched: WatchedPayments):
    invoice = await watched.open_invoice("25.00")
    await watched.pay(invoice, amount=Decimal("10"))
    await watched.pay(invoice, "USDT", amount=Decimal("15"))

    settled = await settle(watched, invoice, status="settled")

    assert settled["reason"] is None and len(settled["transfers"]) == 2
    assert (await watched.subjects(invoice["order_id"])).count(FINALIZED) == 1


async def test_bad_payments_are_rejected_with_their_reason(watched: WatchedPayments):
    cases = {
        "memo_mismatch": {"memo": "something else"},
        "transaction_failed": {"fail": True},
    }
    for reason, bad in cases.items():
        invoice = await watched.open_invoice("25.00")
        signature = await watched.pay(invoice, **bad)
        await watched.net.advance_slots(1)
        [row] = await watched.until_rejected(signature)
        assert row["reason"] == reason, row
        assert str(row["invoice_id"]) == invoice["invoice_id"]
        assert (await watched.invoice(invoice["invoice_id"]))["status"] == "new"
        # A changed memo is the customer's doing: staff are told; a failed one moved no money.
        told = [
            json.loads(e["payload"])
            for e in await watched.emitted_with_subjects(invoice["order_id"])
            if e["subject"] == "payments.payment.rejected.v1"
        ]
        if reason == "memo_mismatch":
            assert [(e["signature"], e["reason"]) for e in told] == [(signature, reason)]
            assert told[0]["invoice_id"] == invoice["invoice_id"]
        else:
            assert told == []


async def test_a_payment_without_reference_is_kept_for_staff(watched: WatchedPayments):
    invoice = await watched.open_invoice("25.00")
    signature = await watched.pay(invoice, drop_references=True)
    await watched.net.advance_slots(1)

    [row] = await watched.until_rejected(signature)

    assert row["reason"] == "no_invoice" and row["invoice_id"] is None
    assert (await watched.invoice(invoice["invoice_id"]))["status"] == "new"


async def test_one_signature_for_two_invoices_pays_neither(watched: WatchedPayments):
    first = await watched.open_invoice("25.00")
    second = await watched.open_invoice("25.00")
    signature = await watched.pay(first, extra_references=[Pubkey.from_string(second["reference"])])
    await watched.net.advance_slots(1)

    rows = await watched.until_rejected(signature)

    assert {r["reason"] for r in rows} == {"several_invoices"}
    assert {str(r["invoice_id"]) for r in rows} == {first["invoice_id"], second["invoice_id"]}
    for invoice in (first, second):  # each invoice's staff are told
        subjects = await watched.subjects(invoice["order_id"])
        assert subjects.count("payments.payment.rejected.v1") == 1
    for invoice in (first, second):
        assert (await watched.invoice(invoice["invoice_id"]))["status"] == "new"


async def test_a_fork_takes_the_invoice_back(watched: WatchedPayments):
    invoice = await watched.open_invoice("25.00")
    signature = await watched.pay(invoice, fork=True)  # dropped two slots after it lands
    await watched.net.advance_slots(1)
    await watched.until_invoice(invoice["invoice_id"], status="processing")

    await watched.net.advance_slots(2)
    back = await watched.until_invoice(invoice["invoice_id"], status="new")

    assert back["transfers"] == []
    await watched.net.advance_slots(32)
    await asyncio.sleep(1)
    again = await watched.invoice(invoice["invoice_id"])
    assert again["status"] == "new"
    subjects = await watched.subjects(invoice["order_id"])
    assert FINALIZED not in subjects and subjects.count(CONFIRMED) == 1
    assert await watched.count(watched_signatures, signature=signature) == 0
