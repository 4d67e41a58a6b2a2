"""From orders' events to an invoice web can show: over the real broker and database.

One invoice per order however often order.created arrives, none when no payment is
required, USDC/USDT at 1:1 with Solana Pay URLs that parse back to exactly what the
invoice asks, SOL withdrawn with its reason until a rate source is wired, and
order.cancelled closing the invoice.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta

from solders.pubkey import Pubkey

from walletreports.devkit.testing.eventually import eventually
from walletreports.payments.adapters.tables import invoices, payment_methods
from walletreports.payments.domain import USDC_MINT, USDT_MINT, parse_transfer_request_url

from .conftest import MERCHANT, PaymentsDriver, order_cancelled, order_created

CREATED = "payments.invoice.created.v1"


async def test_order_created_opens_one_invoice_with_stablecoin_urls(svc: PaymentsDriver):
    event = order_created(price_usd="25.00")
    await svc.publish(event)
    invoice = await svc.invoice_of(event.order_id)

    assert invoice["status"] == "new" and invoice["reason"] is None
    assert invoice["price_usd"] == "25.00"
    created, expires = (datetime.fromisoformat(invoice[k]) for k in ("created_at", "expires_at"))
    assert expires - created == timedelta(minutes=15)
    assert datetime.fromisoformat(invoice["monitoring_until"]) - expires == timedelta(hours=24)
    assert invoice["sol_withdrawn_reason"] == "no rate source configured"
    assert invoice["transfers"] == [] and invoice["refunds"] == []
    assert len(bytes(Pubkey.from_string(invoice["reference"]))) == 32

    methods = {m["currency"]: m for m in invoice["methods"]}
    assert set(methods) == {"USDC", "USDT"}
    for currency, mint in (("USDC", USDC_MINT), ("USDT", USDT_MINT)):
        method = methods[currency]
        assert method["mint"] == str(mint) and method["decimals"] == 6
        assert method["amount"] == "25" and method["amount_base_units"] == 25_000_000
        assert method["qr_svg_url"] == (
            f"/v1/invoices/{invoice['invoice_id']}/methods/{currency}/qr.svg"
        )
        request = parse_transfer_request_url(method["url"])
        assert str(request.recipient) == MERCHANT  # the owner wallet, not its token account
        assert request.spl_token == mint
        assert request.amount_base_units == 25_000_000
        assert [str(r) for r in request.references] == [invoice["reference"]]
        assert request.label == "Wallet Reports"
        assert request.message == event.description

    # The event orders and web hear, with the same methods and URLs.
    [payload] = await svc.emitted(str(event.order_id), CREATED)
    assert payload["invoice_id"] == invoice["invoice_id"]
    assert payload["reference"] == invoice["reference"]
    assert {m["currency"]: m["url"] for m in payload["methods"]} == {
        c: m["url"] for c, m in methods.items()
    }
    assert all(m["amount_base_units"] == 25_000_000 for m in payload["methods"])


async def test_a_second_order_created_opens_nothing(svc: PaymentsDriver):
    first = order_created()
    await svc.publish(first)
    invoice = await svc.invoice_of(first.order_id)
    again = order_created(first.order_id)  # a replay under a new event id
    await svc.publish(again)
    await svc.handled(again)

    assert await svc.count(invoices, order_id=first.order_id) == 1
    assert await svc.count(payment_methods, invoice_id=uuid.UUID(invoice["invoice_id"])) == 2
    assert len(await svc.emitted(str(first.order_id), CREATED)) == 1


async def test_a_cent_price_is_exact_in_base_units(svc: PaymentsDriver):
    event = order_created(price_usd="0.01")
    await svc.publish(event)
    invoice = await svc.invoice_of(event.order_id)
    for method in invoice["methods"]:
        assert method["amount_base_units"] == 10_000 and method["amount"] == "0.01"
        assert parse_transfer_request_url(method["url"]).amount_base_units == 10_000


async def test_no_invoice_when_no_payment_is_required(svc: PaymentsDriver):
    event = order_created(payment_required=False)
    await svc.publish(event)
    await svc.handled(event)
    assert await svc.count(invoices, order_id=event.order_id) == 0
    response = await svc.http.get(f"/v1/orders/{event.order_id}/invoice")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "invoice_not_found"


async def test_order_cancelled_makes_the_invoice_invalid(svc: PaymentsDriver):
    event = order_created()
    await svc.publish(event)
    await svc.invoice_of(event.order_id)
    cancel = order_cancelled(event.order_id)
    await svc.publish(cancel)
    await svc.handled(cancel)
    invoice = (await svc.http.get(f"/v1/orders/{event.order_id}/invoice")).json()
    assert invoice["status"] == "invalid"
    # Cancelling again (or an order that never had an invoice) changes nothing.
    for again in (order_cancelled(event.order_id), order_cancelled(uuid.uuid4())):
        await svc.publish(again)
        await svc.handled(again)
    assert await svc.invoice_status(event.order_id) == "invalid"


async def test_a_malformed_order_created_opens_nothing_and_is_set_aside(svc: PaymentsDriver):
    from walletreports.contracts import wire_subject
    from walletreports.contracts.orders import OrderCreated

    order_id = uuid.uuid4()
    bad = {"order_id": str(order_id), "price_usd": "-5", "payment_required": "maybe"}
    await svc.js.publish(
        wire_subject(svc.namespace, OrderCreated.subject),
        json.dumps(bad).encode(),
        headers={"Nats-Msg-Id": uuid.uuid4().hex},
    )
    good = order_created()
    await svc.publish(good)  # published after it: handled, so the bad one was looked at
    await svc.invoice_of(good.order_id)

    assert await svc.invoice_status(order_id) is None

    async def rejected() -> bool | None:
        text = (await svc.http.get("/metrics")).text
        return 'consumer="payments__open_invoice",outcome="rejected"' in text or None

    assert await eventually(rejected)
