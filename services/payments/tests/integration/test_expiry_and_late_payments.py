"""Expiry and late money against the real localnet, on the service's movable clock:
an unpaid invoice expires (after one last look for its reference on chain), a late
stablecoin payment inside the monitoring window settles it `paid_late`, one after the
window waits for staff, and a payment the watcher cannot see (to another recipient) is
found by that last look and recorded with its reason."""

from __future__ import annotations

from datetime import timedelta

from solders.keypair import Keypair
from sqlalchemy import select

from walletreports.devkit.testing.eventually import eventually
from walletreports.payments.adapters.tables import staff_reviews

from .watching import WatchedPayments

EXPIRED = "payments.invoice.expired.v1"
PAID_LATE = "payments.invoice.paid_late.v1"
FINALIZED = "payments.payment.finalized.v1"


async def expire(svc: WatchedPayments, invoice: dict) -> dict:
    svc.clock.advance(timedelta(minutes=16))
    return await svc.until_invoice(invoice["invoice_id"], status="expired")


async def test_an_unpaid_invoice_expires_once(watched: WatchedPayments):
    invoice = await watched.open_invoice("25.00")

    expired = await expire(watched, invoice)

    assert expired["reason"] is None
    assert (await watched.subjects(invoice["order_id"])).count(EXPIRED) == 1


async def test_a_payment_to_another_recipient_is_found_at_expiry(watched: WatchedPayments):
    invoice = await watched.open_invoice("25.00")
    signature = await watched.pay(invoice, recipient=Keypair().pubkey())
    await watched.net.advance_slots(1)

    await expire(watched, invoice)

    [row] = await watched.until_rejected(signature)
    assert row["reason"] == "wrong_recipient" and str(row["invoice_id"]) == invoice["invoice_id"]


async def test_a_late_payment_inside_the_window_settles_paid_late(watched: WatchedPayments):
    invoice = await watched.open_invoice("25.00")
    await expire(watched, invoice)

    await watched.pay(invoice)
    await watched.net.advance_slots(33)

    settled = await watched.until_invoice(invoice["invoice_id"], status="settled")
    assert settled["reason"] == "paid_late"
    subjects = await watched.subjects(invoice["order_id"])
    assert subjects.count(FINALIZED) == 1 and PAID_LATE in subjects


async def test_a_payment_after_the_window_waits_for_staff(watched: WatchedPayments):
    invoice = await watched.open_invoice("25.00")
    await expire(watched, invoice)
    watched.clock.advance(timedelta(hours=25))

    signature = await watched.pay(invoice)
    await watched.net.advance_slots(33)

    late = await watched.until_invoice(invoice["invoice_id"], reason="paid_late")
    assert late["status"] == "expired"

    async def review() -> list:
        query = select(staff_reviews).where(staff_reviews.c.signature == signature)
        async with watched.service.runtime.db.sessions() as session:
            return list(await session.execute(query)) or None

    [row] = await eventually(review)
    assert row.kind == "after_window"
    assert FINALIZED not in await watched.subjects(invoice["order_id"])
