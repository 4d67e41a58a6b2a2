"""The real payments service on a real port, against real NATS and PostgreSQL.

One service per test module; tests keep apart by using their own order ids. Events the
service consumes are published as orders' relay does: JetStream, `Nats-Msg-Id` header.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import nats
import pytest
import pytest_asyncio
from sqlalchemy import Table, select

from walletreports.contracts import Event, wire_subject
from walletreports.contracts.orders import OrderCancelled, OrderCreated
from walletreports.devkit.testing.eventually import count_rows, eventually
from walletreports.devkit.testing.serving import RunningService, ServiceHarness
from walletreports.kit.messaging.streams import delete_streams
from walletreports.localnet.testing import Localnet
from walletreports.payments.adapters.tables import inbox, invoices, outbox
from walletreports.payments.app import SERVICE

# An owner wallet on the curve (the localnet's merchant, as make dev configures it).
MERCHANT = "5J9BHHjSnr8i8SBmAXuuQVH3FZMCozKHwiTntu4P8wTi"


def order_created(
    order_id: uuid.UUID | None = None,
    *,
    price_usd: str = "25.00",
    payment_required: bool = True,
    description: str = "Wallet report for 0x5aAe…eAed",
) -> OrderCreated:
    order_id = order_id or uuid.uuid4()
    return OrderCreated(
        order_id=order_id,
        user_id=uuid.uuid4(),
        product="wallet_report",
        wallet_address="0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        price_usd=Decimal(price_usd),
        payment_required=payment_required,
        description=description,
        correlation_id=str(order_id),
    )


def order_cancelled(order_id: uuid.UUID) -> OrderCancelled:
    return OrderCancelled(
        order_id=order_id,
        user_id=uuid.uuid4(),
        reason="user cancelled",
        correlation_id=str(order_id),
    )


class PaymentsDriver:
    """Drives a running payments service as orders and web would."""

    def __init__(self, service: RunningService, js: Any, namespace: str) -> None:
        self.service = service
        self.http: httpx.AsyncClient = service.http
        self.js = js
        self.namespace = namespace

    async def publish(self, event: Event) -> None:
        await self.js.publish(
            wire_subject(self.namespace, event.subject),
            event.model_dump_json().encode(),
            headers={"Nats-Msg-Id": str(event.event_id)},
        )

    async def handled(self, event: Event) -> None:
        """Until the service's inbox has the event (handled, whatever the outcome)."""
        await eventually(lambda: self.count(inbox, event_id=event.event_id))

    async def count(self, table: Table, **where: Any) -> int:
        return await count_rows(self.service, table, **where)

    async def invoice_status(self, order_id: uuid.UUID) -> str | None:
        async with self.service.runtime.db.sessions() as session:
            return (
                await session.execute(
                    select(invoices.c.status).where(invoices.c.order_id == order_id)
                )
            ).scalar_one_or_none()

    async def invoice_of(self, order_id: uuid.UUID) -> dict[str, Any]:
        """The order's invoice as web reads it, once the service has opened it."""

        async def opened() -> dict[str, Any] | None:
            response = await self.http.get(f"/v1/orders/{order_id}/invoice")
            return response.json() if response.status_code == 200 else None

        return await eventually(opened)

    async def emitted(self, correlation_id: str, subject: str | None = None) -> list[dict]:
        query = select(outbox.c.subject, outbox.c.payload).where(
            outbox.c.correlation_id == correlation_id
        )
        if subject is not None:
            query = query.where(outbox.c.subject == subject)
        async with self.service.runtime.db.sessions() as session:
            return [
                json.loads(r.payload) for r in await session.execute(query.order_by(outbox.c.id))
            ]


@pytest.fixture(scope="module")
def service_env() -> dict[str, str]:
    """Extra environment for the module's service; a module overrides it to change one."""
    return {}


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def payments_service(
    databases: Any, nats_url: str, localnet: Localnet, service_env: dict[str, str]
) -> AsyncIterator[PaymentsDriver]:
    namespace = f"tp{uuid.uuid4().hex[:10]}"
    harness = ServiceHarness(databases, nats_url, namespace)
    nc = await nats.connect(nats_url)
    try:
        env = {
            "PAYMENTS_MERCHANT_ADDRESS": MERCHANT,
            "SOLANA_RPC_URL": localnet.rpc_url,
            "SOLANA_WS_URL": localnet.ws_url,
            **service_env,
        }
        async with harness.run(SERVICE, **env) as service:
            yield PaymentsDriver(service, nc.jetstream(), namespace)
    finally:
        await delete_streams(nc.jetstream(), namespace)
        await nc.close()


@pytest.fixture
def svc(payments_service: PaymentsDriver) -> PaymentsDriver:
    return payments_service


# A payments service watching the localnet for a merchant of its own (watching.py).
from .watching import watched  # noqa: E402, F401
