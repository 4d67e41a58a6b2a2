"""A payments service watching a real localnet for a merchant of its own, and what a
test needs to pay its invoices and see what became of them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import nats
import pytest_asyncio
from solders.keypair import Keypair
from sqlalchemy import select

from walletreports.devkit.testing.eventually import eventually
from walletreports.devkit.testing.serving import ServiceHarness
from walletreports.kit import MovableClock
from walletreports.kit.messaging.streams import delete_streams
from walletreports.localnet.testing import Localnet
from walletreports.payments.adapters.tables import rejected_candidates
from walletreports.payments.app import SERVICE

from .conftest import PaymentsDriver, order_created

WATCHING_ENV = {
    "PAYMENTS_WATCH_INTERVAL_SECONDS": "0.2",
    "PAYMENTS_SOL_FIXED_USD": "150",
}


class WatchedPayments(PaymentsDriver):
    """The driver, plus the chain and the clock the service lives by, and the merchant's
    keypair (a refund is paid from the merchant's wallet)."""

    def __init__(
        self, driver: PaymentsDriver, net: Localnet, clock: MovableClock, merchant: Keypair
    ) -> None:
        super().__init__(driver.service, driver.js, driver.namespace)
        self.net = net
        self.clock = clock
        self.merchant = merchant

    async def open_invoice(self, price_usd: str = "25.00", **kw: Any) -> dict[str, Any]:
        event = order_created(price_usd=price_usd, **kw)
        await self.publish(event)
        return await self.invoice_of(event.order_id)

    async def invoice(self, invoice_id: str) -> dict[str, Any]:
        response = await self.http.get(f"/v1/invoices/{invoice_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def until_invoice(self, invoice_id: str, **expected: Any) -> dict[str, Any]:
        """Until the invoice has every field as expected; the invoice then."""

        async def matches() -> dict[str, Any] | None:
            invoice = await self.invoice(invoice_id)
            return invoice if all(invoice[k] == v for k, v in expected.items()) else None

        return await eventually(matches, timeout=20)

    async def subjects(self, order_id: str) -> list[str]:
        return [e["subject"] for e in await self.emitted_with_subjects(order_id)]

    async def emitted_with_subjects(self, order_id: str) -> list[dict[str, Any]]:
        from walletreports.payments.adapters.tables import outbox

        query = (
            select(outbox.c.subject, outbox.c.payload)
            .where(outbox.c.correlation_id == order_id)
            .order_by(outbox.c.id)
        )
        async with self.service.runtime.db.sessions() as session:
            return [
                {"subject": row.subject, "payload": row.payload}
                for row in await session.execute(query)
            ]

    async def until_rejected(self, signature: str) -> list[dict[str, Any]]:
        """Until the signature has rejected-candidate rows; those rows."""

        async def rows() -> list[dict[str, Any]] | None:
            query = select(rejected_candidates).where(rejected_candidates.c.signature == signature)
            async with self.service.runtime.db.sessions() as session:
                found = [dict(r._mapping) for r in await session.execute(query)]
            return found or None

        return await eventually(rows, timeout=20)

    async def pay(self, invoice: dict[str, Any], currency: str = "USDC", **bad: Any) -> str:
        url = next(m["url"] for m in invoice["methods"] if m["currency"] == currency)
        [signature] = await self.net.pay(url, **bad)
        return signature


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def watched(
    databases: Any, nats_url: str, localnet: Localnet, service_env: dict[str, str]
) -> AsyncIterator[WatchedPayments]:
    """Payments for a fresh merchant (provisioned on the localnet), so no other test's
    money is on its receiving accounts, polling every 0.2 s."""
    merchant = Keypair()
    await localnet.provision_merchant(merchant.pubkey())
    namespace = f"tw{uuid.uuid4().hex[:10]}"
    harness = ServiceHarness(databases, nats_url, namespace)
    clock = MovableClock()
    nc = await nats.connect(nats_url)
    try:
        env = {
            "PAYMENTS_MERCHANT_ADDRESS": str(merchant.pubkey()),
            "SOLANA_RPC_URL": localnet.rpc_url,
            "SOLANA_WS_URL": localnet.ws_url,
            **WATCHING_ENV,
            **service_env,
        }
        async with harness.run(SERVICE, clock=clock, **env) as service:
            driver = PaymentsDriver(service, nc.jetstream(), namespace)
            yield WatchedPayments(driver, localnet, clock, merchant)
    finally:
        await delete_streams(nc.jetstream(), namespace)
        await nc.close()
