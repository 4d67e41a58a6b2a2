"""The real orders service on a real port, against real NATS and PostgreSQL.

One service per test module (starting one costs a database and its migrations); tests
keep apart by using their own user and order ids. Events the service consumes are
published the way their producers' relays do: JetStream, `Nats-Msg-Id` header.
"""

from __future__ import annotations

import contextlib
import json
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import nats
import pytest
import pytest_asyncio
from sqlalchemy import Table, event, select

from walletreports.contracts import Event, wire_subject
from walletreports.devkit.testing.eventually import count_rows, eventually
from walletreports.devkit.testing.serving import RunningService, ServiceHarness
from walletreports.kit.messaging.consumers import HANDLED
from walletreports.kit.messaging.streams import delete_streams
from walletreports.orders.adapters.tables import order_history, orders, outbox
from walletreports.orders.app import SERVICE

# EIP-55 test vectors (from the EIP itself).
WALLET = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
OTHER_WALLET = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"


class OrdersDriver:
    """Drives a running orders service as web, payments and dune_runner would."""

    def __init__(self, service: RunningService, js: Any, namespace: str) -> None:
        self.service = service
        self.http: httpx.AsyncClient = service.http
        self.js = js
        self.namespace = namespace

    # --- HTTP as web calls it ------------------------------------------------------

    async def place(
        self,
        *,
        user_id: uuid.UUID | None = None,
        product: str = "wallet_report",
        wallet: str | None = WALLET,
        email: str = "ada@example.com",
        key: str | None = None,
    ) -> httpx.Response:
        body: dict[str, Any] = {
            "user_id": str(user_id or uuid.uuid4()),
            "user_email": email,
            "product": product,
        }
        if wallet is not None:
            body["wallet_address"] = wallet
        return await self.http.post(
            "/v1/orders", json=body, headers={"Idempotency-Key": key or uuid.uuid4().hex}
        )

    async def placed(self, **kwargs: Any) -> dict[str, Any]:
        response = await self.place(**kwargs)
        assert response.status_code == 201, response.text
        return response.json()

    # --- events as their producers publish them ------------------------------------

    async def publish(self, event: Event, *, msg_id: str | None = None) -> None:
        await self.js.publish(
            wire_subject(self.namespace, event.subject),
            event.model_dump_json().encode(),
            headers={"Nats-Msg-Id": msg_id or str(event.event_id)},
        )

    # --- what the service stored and emitted ---------------------------------------

    async def scalar(self, query: Any) -> Any:
        async with self.service.runtime.db.sessions() as session:
            return (await session.execute(query)).scalar_one()

    async def count(self, table: Table, **where: Any) -> int:
        return await count_rows(self.service, table, **where)

    async def counts(self) -> dict[str, int]:
        return {t.name: await self.count(t) for t in (orders, order_history, outbox)}

    async def status(self, order_id: str | uuid.UUID) -> str:
        return await self.scalar(
            select(orders.c.status).where(orders.c.id == uuid.UUID(str(order_id)))
        )

    async def wait_status(self, order_id: str | uuid.UUID, status: str) -> None:
        last = None

        async def reached() -> bool:
            nonlocal last
            last = await self.status(order_id)
            return last == status

        try:
            await eventually(reached)
        except AssertionError:
            raise AssertionError(f"order {order_id} is {last}, expected {status}") from None

    async def history(self, order_id: str | uuid.UUID) -> list[tuple[str | None, str]]:
        async with self.service.runtime.db.sessions() as session:
            rows = await session.execute(
                select(order_history.c.from_status, order_history.c.to_status)
                .where(order_history.c.order_id == uuid.UUID(str(order_id)))
                .order_by(order_history.c.id)
            )
            return [(r.from_status, r.to_status) for r in rows]

    async def emitted(
        self, correlation_id: str | None = None, subject: str | None = None
    ) -> list[tuple[str, dict]]:
        """(subject, payload) of the events in the outbox, oldest first."""
        query = select(outbox.c.subject, outbox.c.payload).order_by(outbox.c.id)
        if correlation_id is not None:
            query = query.where(outbox.c.correlation_id == correlation_id)
        if subject is not None:
            query = query.where(outbox.c.subject == subject)
        async with self.service.runtime.db.sessions() as session:
            return [(r.subject, json.loads(r.payload)) for r in await session.execute(query)]

    async def subjects(self, correlation_id: str) -> list[str]:
        return [subject for subject, _ in await self.emitted(correlation_id)]

    @contextlib.contextmanager
    def reads_of(self, table: Table) -> Iterator[list[str]]:
        """The SELECTs from `table` the service runs while the block does (on its engine,
        which this driver's own helpers share: call none of them inside the block)."""
        seen: list[str] = []
        from_table = re.compile(rf"\bFROM {table.name}\b")

        def record(conn, cursor, statement, parameters, context, executemany) -> None:
            if statement.lstrip().startswith("SELECT") and from_table.search(statement):
                seen.append(statement)

        engine = self.service.runtime.db.engine.sync_engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            yield seen
        finally:
            event.remove(engine, "before_cursor_execute", record)

    @staticmethod
    def handled(consumer: str, outcome: str) -> float:
        return HANDLED.labels(f"orders__{consumer}", outcome)._value.get()


@pytest.fixture(scope="module")
def service_env() -> dict[str, str]:
    """Extra environment for the module's service; a module overrides it to change one."""
    return {}


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def orders_service(
    databases: Any, nats_url: str, service_env: dict[str, str]
) -> AsyncIterator[OrdersDriver]:
    namespace = f"to{uuid.uuid4().hex[:10]}"
    harness = ServiceHarness(databases, nats_url, namespace)
    nc = await nats.connect(nats_url)
    try:
        env = {"ORDERS_SUBSCRIPTION_EXPIRY_INTERVAL_SECONDS": "0.2", **service_env}
        async with harness.run(SERVICE, **env) as service:
            yield OrdersDriver(service, nc.jetstream(), namespace)
    finally:
        await delete_streams(nc.jetstream(), namespace)
        await nc.close()


@pytest.fixture
def svc(orders_service: OrdersDriver) -> OrdersDriver:
    return orders_service
