"""The whole way from an order to its payment, over the real broker: orders places it
and publishes order.created, payments opens the invoice, the localnet's test wallet
pays its Solana Pay URL, payments' watcher sees it confirmed and finalized, and orders
marks the order payment_received, once."""

from __future__ import annotations

import uuid

from solders.keypair import Keypair

from walletreports.devkit.testing.eventually import eventually
from walletreports.orders.app import SERVICE as ORDERS
from walletreports.payments.app import SERVICE as PAYMENTS

WALLET = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"


async def test_an_order_paid_in_usdc_becomes_payment_received(services, localnet):
    merchant = Keypair().pubkey()
    await localnet.provision_merchant(merchant)
    payments_env = {
        "PAYMENTS_MERCHANT_ADDRESS": str(merchant),
        "SOLANA_RPC_URL": localnet.rpc_url,
        "SOLANA_WS_URL": localnet.ws_url,
        "PAYMENTS_WATCH_INTERVAL_SECONDS": "0.2",
    }
    async with services.run(ORDERS) as orders, services.run(PAYMENTS, **payments_env) as payments:
        placed = await orders.http.post(
            "/v1/orders",
            json={
                "user_id": str(uuid.uuid4()),
                "user_email": "ada@example.com",
                "product": "wallet_report",
                "wallet_address": WALLET,
            },
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        assert placed.status_code == 201, placed.text
        order_id = placed.json()["id"]

        async def invoice() -> dict | None:
            response = await payments.http.get(f"/v1/orders/{order_id}/invoice")
            return response.json() if response.status_code == 200 else None

        opened = await eventually(invoice, timeout=20)
        url = next(m["url"] for m in opened["methods"] if m["currency"] == "USDC")
        [signature] = await localnet.pay(url)
        await localnet.advance_slots(33)

        async def received() -> dict | None:
            order = (await orders.http.get(f"/v1/orders/{order_id}")).json()
            return order if order["status"] == "payment_received" else None

        order = await eventually(received, timeout=30)
        assert signature in str(order)
        assert (await invoice())["status"] == "settled"
