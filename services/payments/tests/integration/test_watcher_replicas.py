"""Killed and doubled: payments as real processes on one database, watching the real
localnet. Good payments in each currency settle and publish payment.finalized exactly
once while replicas are SIGKILLed mid-way and restarted, and while two run at once
(one watcher at a time: the kit's lease; a killed holder's lease lapses in its TTL).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import nats
import pytest
from solders.keypair import Keypair
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from walletreports.contracts import wire_subject
from walletreports.devkit.testing.eventually import eventually
from walletreports.devkit.testing.service_process import ServiceProcess
from walletreports.devkit.testing.serving import ServiceHarness
from walletreports.kit.messaging.streams import delete_streams
from walletreports.localnet.testing import Localnet
from walletreports.payments.adapters.tables import invoices, outbox, payment_methods
from walletreports.payments.app import SERVICE

from .conftest import order_created

FINALIZED = "payments.payment.finalized.v1"
# A killed watcher's lease lapses within its TTL (10 s) before the other takes over.
TAKE_OVER = 30.0


class Stack:
    def __init__(self, database_url: str, js: Any, namespace: str) -> None:
        self.engine = create_async_engine(database_url)
        self.js = js
        self.namespace = namespace

    async def open(self, price: str = "25.00") -> uuid.UUID:
        event = order_created(price_usd=price)
        await self.js.publish(
            wire_subject(self.namespace, event.subject),
            event.model_dump_json().encode(),
            headers={"Nats-Msg-Id": str(event.event_id)},
        )
        return event.order_id

    async def rows(self, query: Any) -> list[Any]:
        async with self.engine.connect() as conn:
            return list(await conn.execute(query))

    async def url(self, order_id: uuid.UUID, currency: str) -> str:
        async def found() -> str | None:
            rows = await self.rows(
                select(payment_methods.c.url)
                .join(invoices, invoices.c.id == payment_methods.c.invoice_id)
                .where(invoices.c.order_id == order_id, payment_methods.c.currency == currency)
            )
            return rows[0].url if rows else None

        return await eventually(found, timeout=30)

    async def statuses(self, order_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
        rows = await self.rows(
            select(invoices.c.order_id, invoices.c.status).where(invoices.c.order_id.in_(order_ids))
        )
        return {r.order_id: r.status for r in rows}

    async def finalized_per_order(self) -> Counter[str]:
        rows = await self.rows(select(outbox.c.payload).where(outbox.c.subject == FINALIZED))
        return Counter(json.loads(r.payload)["order_id"] for r in rows)


@pytest.fixture
async def stack(databases, nats_url, localnet: Localnet, tmp_path: Path):
    merchant = Keypair().pubkey()
    await localnet.provision_merchant(merchant)
    namespace = f"tr{uuid.uuid4().hex[:10]}"
    database_url = ServiceHarness(databases, nats_url, namespace).database(SERVICE)
    env = {
        "PAYMENTS_DATABASE_URL": database_url,
        "NATS_URL": nats_url,
        "EVENT_NAMESPACE": namespace,
        "ENVIRONMENT": "test",
        "PAYMENTS_MERCHANT_ADDRESS": str(merchant),
        "SOLANA_RPC_URL": localnet.rpc_url,
        "SOLANA_WS_URL": localnet.ws_url,
        "PAYMENTS_WATCH_INTERVAL_SECONDS": "0.2",
        "PAYMENTS_SOL_FIXED_USD": "150",
    }
    nc = await nats.connect(nats_url)
    made: list[ServiceProcess] = []

    def replica(name: str) -> ServiceProcess:
        made.append(ServiceProcess("payments", name, env, tmp_path))
        return made[-1]

    stack = Stack(database_url, nc.jetstream(), namespace)
    try:
        yield stack, replica
    finally:
        for r in made:
            r.stop()
        await stack.engine.dispose()
        await delete_streams(nc.jetstream(), namespace)
        await nc.close()


async def test_payments_settle_once_through_kills_and_two_replicas(stack, localnet: Localnet):
    stack, replica = stack
    first, second = replica("a").start(), replica("b").start()
    await first.ready()
    await second.ready()

    orders = [await stack.open() for _ in range(3)]
    for order_id, currency in zip(orders, ("USDC", "USDT", "SOL"), strict=True):
        await localnet.pay(await stack.url(order_id, currency))
    await localnet.advance_slots(1)  # confirmed: the watcher starts on them

    first.kill()  # mid-way: whatever it was doing is lost

    async def all_processing() -> bool:
        statuses = await stack.statuses(orders)
        return all(s in ("processing", "settled") for s in statuses.values()) or None

    await eventually(all_processing, timeout=TAKE_OVER)

    again = replica("a-again").start()
    await again.ready()
    await localnet.advance_slots(32)  # finalized
    second.kill()  # the other one, too, while finality is being noticed

    async def all_settled() -> bool:
        statuses = await stack.statuses(orders)
        return all(s == "settled" for s in statuses.values()) or None

    await eventually(all_settled, timeout=TAKE_OVER)
    third = replica("c").start()  # two replicas again, after everything settled
    await third.ready()
    await localnet.advance_slots(5)

    async def exactly_once() -> Counter[str] | None:
        counts = await stack.finalized_per_order()
        return counts if len(counts) == 3 else None

    counts = await eventually(exactly_once, timeout=10)
    await asyncio.sleep(2)  # ten more cycles of whichever replica watches now
    assert await stack.finalized_per_order() == counts
    assert set(counts.values()) == {1}, counts
    assert set(counts) == {str(o) for o in orders}
