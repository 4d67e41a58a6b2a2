"""A running service: its database, its NATS connection, relay and consumers.

Built inside the app's lifespan (never at import). NATS is connected in the
background with retries, so a service starts, answers /healthz and reports itself
not-ready until its broker is reachable, instead of crashing at boot.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from faststream.exceptions import SetupError
from faststream.nats import NatsBroker
from nats.aio.client import Client
from nats.js import JetStreamContext
from sqlalchemy import MetaData

from .db import Database
from .messaging.consumers import ConsumerConfigError, EventConsumer, EventHandlers
from .messaging.inbox import Inbox
from .messaging.janitor import MessagingJanitor
from .messaging.outbox import Outbox
from .messaging.relay import OutboxRelay
from .messaging.streams import ensure_streams
from .messaging.unit_of_work import UnitsOfWork
from .settings import ServiceSettings

log = logging.getLogger(__name__)

BackgroundTask = Callable[["ServiceRuntime"], Awaitable[None]]

GRACEFUL_STOP_SECONDS = 5


class ServiceRuntime:
    def __init__(
        self,
        name: str,
        settings: ServiceSettings,
        database_url: str,
        metadata: MetaData,
        handlers: EventHandlers | None = None,
        background: list[BackgroundTask] | None = None,
    ) -> None:
        self.name = name
        self.settings = settings
        self.db = Database(database_url)
        self.outbox = Outbox(metadata.tables["outbox"])
        self.inbox = Inbox(metadata.tables["inbox"])
        self.relay = OutboxRelay(self.db.sessions, self.outbox.table, self._connected_jetstream, settings.event_namespace)
        self.units = UnitsOfWork(self.db.sessions, self.outbox, self.relay.wake)
        self.janitor = MessagingJanitor(self.db.sessions, self.outbox.table, self.inbox.table)
        self.handlers = handlers
        self.background = background or []
        # Service-specific collaborators (catalog, clients...) hung here by the service.
        self.extras: dict[str, Any] = {}
        self.broker = NatsBroker(
            settings.nats_url.split(","),
            name=f"walletreports-{name}",
            connect_timeout=2,
            reconnect_time_wait=1,
            max_reconnect_attempts=-1,
            # Our consumers settle their batches before the broker stops (EventConsumer.stop);
            # this only covers acks and NAKs still being sent.
            graceful_timeout=GRACEFUL_STOP_SECONDS,
            logger=logging.getLogger(f"faststream.{name}"),
            # Per-message "Received/Processed" lines at DEBUG: at INFO they cost more
            # than handling the message; our consumer logs what matters.
            log_level=logging.DEBUG,
        )
        self.consumer = EventConsumer(self.units, self.inbox, settings.event_namespace, self._connected_jetstream)
        if handlers is not None:
            self.consumer.bind(self.broker, handlers)
        self._js: JetStreamContext | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.broker_started = asyncio.Event()
        self._cannot_start: str | None = None

    def _connected_jetstream(self) -> JetStreamContext | None:
        # While NATS is away the relay does not try (and so does not push rows' next
        # attempts into the future): they go out as soon as the connection is back.
        nc = self.nats
        return self._js if nc is not None and nc.is_connected else None

    @property
    def nats(self) -> Client | None:
        try:
            return self.broker.connection
        except Exception:  # noqa: BLE001 - not connected yet
            return None

    async def start(self) -> None:
        self._spawn(self._start_broker(), "broker")
        self._spawn(self.relay.run(), "relay")
        self._spawn(self.janitor.run(), "janitor")
        for task in self.background:
            self._spawn(self._supervise(task), task.__name__)

    def _spawn(self, coroutine: Any, label: str) -> None:
        task = asyncio.create_task(coroutine, name=f"{self.name}-{label}")
        task.add_done_callback(_log_if_crashed)
        self._tasks.append(task)

    async def _start_broker(self) -> None:
        delay = 0.2
        while True:
            try:
                await self.broker.connect()
                js = self.broker.connection.jetstream()
                await ensure_streams(js, self.settings.event_namespace, self.settings.stream_replicas)
                if self.handlers is not None:
                    await self.consumer.declare(js, self.handlers.routes)
                await self.broker.start()
            except asyncio.CancelledError:
                raise
            except ConsumerConfigError as exc:
                self._cannot_start = str(exc)  # readiness says why, not just "not connected"
                raise  # a deployment mistake, not an outage: logged as a crash
            except SetupError:
                raise  # a wiring mistake in our code, not an outage: logged as a crash
            except Exception as exc:  # noqa: BLE001 - NATS not there yet: keep trying
                log.warning("cannot start on NATS yet (%s: %s); retrying in %.1fs", type(exc).__name__, exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            self._js = js
            self.broker_started.set()
            log.info("connected to NATS; streams ready; %d consumers running", len(self.handlers.routes) if self.handlers else 0)
            return

    async def _supervise(self, task: BackgroundTask) -> None:
        """Keep a background loop alive: log its crash and start it again."""
        while True:
            try:
                await task(self)
                return
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001
                log.exception("background task %s crashed; restarting in 1s", task.__name__)
                await asyncio.sleep(1)

    async def readiness(self) -> dict[str, str]:
        checks: dict[str, str] = {}
        try:
            await self.db.ping()
            checks["database"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["database"] = f"unreachable: {type(exc).__name__}"
        nc = self.nats
        if self._cannot_start is not None:
            checks["nats"] = f"cannot start: {self._cannot_start}"
        elif nc is None or not self.broker_started.is_set():
            checks["nats"] = "not connected yet"
        elif not nc.is_connected:
            checks["nats"] = "disconnected (reconnecting)"
        else:
            checks["nats"] = "ok"
        return checks

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        await self.consumer.stop(GRACEFUL_STOP_SECONDS)
        try:
            # Past FastStream's own graceful period, so it can drain the connection
            # (flushing the last acks and NAKs) before we give up on it.
            await asyncio.wait_for(self.broker.stop(), GRACEFUL_STOP_SECONDS + 5)
        except Exception:  # noqa: BLE001 - shutting down anyway
            log.warning("broker did not stop cleanly", exc_info=True)
        await self.db.dispose()


def _log_if_crashed(task: asyncio.Task[None]) -> None:
    """A background task must never die unseen."""
    if not task.cancelled() and task.exception() is not None:
        log.critical("background task %s died", task.get_name(), exc_info=task.exception())
