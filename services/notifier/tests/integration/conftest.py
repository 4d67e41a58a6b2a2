"""The real notifier service on a real port, against real NATS and PostgreSQL, sending to
a real SMTP server (aiosmtpd, smtp_sink.py) through a TCP proxy a test can cut.

One service per test module; tests keep apart by their own users, orders and addresses.
Events are published as their producers' relays do: JetStream, `Nats-Msg-Id` header.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
import pytest_asyncio
from sqlalchemy import Table, select

from walletreports.contracts import Event, wire_subject
from walletreports.contracts.orders import OrderCreated
from walletreports.contracts.web import NotificationPrefs, UserRegistered
from walletreports.devkit.testing.eventually import count_rows, eventually
from walletreports.devkit.testing.serving import RunningService, ServiceHarness
from walletreports.devkit.testing.tcp_proxy import TcpProxy
from walletreports.kit.messaging.streams import delete_streams
from walletreports.notifier.adapters.tables import inbox, notifications, side_effects
from walletreports.notifier.app import SERVICE

from .smtp_sink import SmtpSink

BASE_URL = "https://reports.example.com"
FROM = "Wallet Reports <reports@wallet-reports.test>"
STAFF = ("ops@wallet-reports.test", "finance@wallet-reports.test")
WALLET = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"


def an_address(label: str = "user") -> str:
    return f"{label}-{uuid.uuid4().hex[:10]}@example.com"


class NotifierDriver:
    """Drives a running notifier as web, orders, payments and dune_runner would."""

    def __init__(
        self, service: RunningService, js: Any, namespace: str, sink: SmtpSink, proxy: TcpProxy
    ) -> None:
        self.service = service
        self.http: httpx.AsyncClient = service.http
        self.js = js
        self.namespace = namespace
        self.sink = sink
        self.proxy = proxy

    async def publish(self, event: Event, *, msg_id: str | None = None) -> None:
        await self.js.publish(
            wire_subject(self.namespace, event.subject),
            event.model_dump_json().encode(),
            headers={"Nats-Msg-Id": msg_id or str(event.event_id)},
        )

    async def handled(self, event: Event, consumers: int = 1) -> None:
        """Until the service's inbox has the event (handled, whatever the outcome)."""
        await eventually(lambda: self._handled(event, consumers))

    async def _handled(self, event: Event, consumers: int) -> bool:
        return await count_rows(self.service, inbox, event_id=event.event_id) >= consumers

    async def user(self, email: str | None = None, **prefs: bool) -> UserRegistered:
        event = UserRegistered(
            user_id=uuid.uuid4(),
            email=email or an_address(),
            display_name="Ada Lovelace",
            notification_prefs=NotificationPrefs(**prefs),
        )
        await self.publish(event)
        await self.handled(event)
        return event

    async def order(self, user: UserRegistered) -> uuid.UUID:
        order_id = uuid.uuid4()
        event = OrderCreated(
            order_id=order_id,
            user_id=user.user_id,
            product="wallet_report",
            wallet_address=WALLET,
            price_usd=Decimal("25.00"),
            payment_required=True,
            description="Wallet report",
            correlation_id=str(order_id),
        )
        await self.publish(event)
        await self.handled(event)
        return order_id

    async def rows(self, **where: Any) -> list[Any]:
        query = select(notifications)
        for column, value in where.items():
            query = query.where(notifications.c[column] == value)
        async with self.service.runtime.db.sessions() as session:
            return list((await session.execute(query.order_by(notifications.c.created_at))).all())

    async def row(self, **where: Any) -> Any:
        (found,) = await eventually(lambda: self._rows_of(1, **where))
        return found

    async def _rows_of(self, count: int, **where: Any) -> list[Any] | None:
        found = await self.rows(**where)
        return found if len(found) >= count else None

    async def status_of(self, notification_id: uuid.UUID) -> str:
        return str((await self.row(id=notification_id)).status)

    async def until_status(
        self, notification_id: uuid.UUID, status: str, timeout: float = 15.0
    ) -> Any:
        async def reached() -> Any:
            (found,) = await self.rows(id=notification_id)
            return found if found.status == status else None

        return await eventually(reached, timeout=timeout)

    async def effect(self, notification_id: uuid.UUID) -> Any:
        query = select(side_effects).where(
            side_effects.c.kind == "notifier.email", side_effects.c.key == str(notification_id)
        )
        async with self.service.runtime.db.sessions() as session:
            return (await session.execute(query)).first()

    async def count(self, table: Table, **where: Any) -> int:
        return await count_rows(self.service, table, **where)


SERVICE_ENV = {
    "NOTIFIER_EMAIL_BACKEND": "smtp",
    "NOTIFIER_SMTP_HOST": "127.0.0.1",
    "NOTIFIER_SMTP_SECURITY": "none",
    "NOTIFIER_SMTP_TIMEOUT_SECONDS": "2",
    "NOTIFIER_PUBLIC_BASE_URL": BASE_URL,
    "NOTIFIER_EMAIL_FROM": FROM,
    "NOTIFIER_STAFF_EMAILS": ",".join(STAFF),
    # Quick retries, many of them: a test cuts the server for a few seconds.
    "NOTIFIER_SEND_RETRY_SECONDS": "0.2",
    "NOTIFIER_SEND_RETRY_MAX_SECONDS": "0.5",
    "NOTIFIER_SEND_MAX_ATTEMPTS": "60",
}


@pytest.fixture(scope="module")
def service_env() -> dict[str, str]:
    """Extra environment for the module's service; a module overrides it to change one."""
    return {}


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def notifier(
    databases: Any,
    nats_url: str,
    service_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[NotifierDriver]:
    namespace = f"tn{uuid.uuid4().hex[:10]}"
    harness = ServiceHarness(databases, nats_url, namespace)
    sink = await SmtpSink().start()
    proxy = await TcpProxy("127.0.0.1", sink.port).start()
    nc = await nats.connect(nats_url)
    mailbox: Path = tmp_path_factory.mktemp("mail")
    try:
        env = {
            **SERVICE_ENV,
            "NOTIFIER_SMTP_PORT": str(proxy.port),
            "NOTIFIER_DEV_MAILBOX_DIR": str(mailbox),
            **service_env,
        }
        async with harness.run(SERVICE, **env) as service:
            yield NotifierDriver(service, nc.jetstream(), namespace, sink, proxy)
    finally:
        await delete_streams(nc.jetstream(), namespace)
        await nc.close()
        await proxy.close()
        await sink.stop()


@pytest.fixture
def svc(notifier: NotifierDriver) -> NotifierDriver:
    return notifier
