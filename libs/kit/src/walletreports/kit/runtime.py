"""A running service: its database, its NATS connection, relay, consumers, background
tasks, and the collaborators its composition root built.

Built inside the app's lifespan (never at import). NATS is connected in the
background with retries, so a service starts, answers /healthz and reports itself
not-ready until its broker is reachable, instead of crashing at boot.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Coroutine
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any

from faststream.exceptions import SetupError
from faststream.nats import NatsBroker
from nats.aio.client import Client
from nats.js import JetStreamContext

from .background import BackgroundTask, supervise
from .clock import Clock, SystemClock
from .db import Database
from .effects.runner import EffectRunner
from .injection import collaborators_of, inject
from .lease import Lease
from .messaging.consumers import ConsumerConfigError, EventConsumer
from .messaging.inbox import Inbox
from .messaging.janitor import MessagingJanitor
from .messaging.outbox import Outbox
from .messaging.relay import OutboxRelay
from .messaging.routes import BoundHandlers
from .messaging.streams import ensure_streams
from .messaging.unit_of_work import UnitsOfWork
from .platform import Platform
from .settings import ServiceSettings

if TYPE_CHECKING:
    from .service import Service

log = logging.getLogger(__name__)

GRACEFUL_STOP_SECONDS = 5


class ServiceRuntime:
    def __init__(
        self, service: Service[Any], settings: ServiceSettings, clock: Clock | None = None
    ) -> None:
        self.service = service
        self.name = service.name
        self.settings = settings
        metadata = service.metadata
        self.db = Database(settings.database_url)
        self.outbox = Outbox(metadata.tables["outbox"])
        self.inbox = Inbox(metadata.tables["inbox"])
        self.relay = OutboxRelay(
            self.db.sessions, self.outbox.table, self._connected_jetstream, settings.event_namespace
        )
        self.units: UnitsOfWork[Any] = UnitsOfWork(
            self.db.sessions, self.outbox, self.relay.wake, service.unit_of_work, self._wake_effects
        )
        self.effects: EffectRunner | None = None
        self.janitor = MessagingJanitor(self.db.sessions, self.outbox.table, self.inbox.table)
        self.platform: Platform[Any] = Platform(
            service.name,
            settings,
            self.db,
            self.units,
            clock or SystemClock(),
            self._connected_jetstream,
        )
        self.broker = NatsBroker(
            settings.nats_url.split(","),
            name=f"walletreports-{service.name}",
            connect_timeout=2,
            reconnect_time_wait=1,
            max_reconnect_attempts=-1,
            # Our consumers settle their batches before the broker stops (EventConsumer.stop);
            # this only covers acks and NAKs still being sent.
            graceful_timeout=GRACEFUL_STOP_SECONDS,
            logger=logging.getLogger(f"faststream.{service.name}"),
            # Per-message "Received/Processed" lines at DEBUG: at INFO they cost more
            # than handling the message; our consumer logs what matters.
            log_level=logging.DEBUG,
        )
        self.consumer = EventConsumer(
            self.units, self.inbox, settings.event_namespace, self._connected_jetstream
        )
        # Filled by `open`: what handlers, tasks and routes may name.
        self.collaborators: dict[str, Any] = {}
        self._handlers: BoundHandlers | None = None
        self._background: list[tuple[BackgroundTask, Any, Lease | None]] = []
        self._exit = AsyncExitStack()
        self._js: JetStreamContext | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.broker_started = asyncio.Event()
        self._cannot_start: str | None = None

    async def open(self) -> None:
        """Run the composition root and bind everything to what it built. A handler or
        task that names something nobody provides stops here (a WiringError)."""
        built: object = None
        if self.service.bootstrap is not None:
            built = await self._exit.enter_async_context(self.service.bootstrap(self.platform))
        self.collaborators = self.platform.collaborators() | collaborators_of(built)
        if self.service.handlers is not None:
            self._handlers = self.service.handlers.bind(self.collaborators)
            self.consumer.bind(self.broker, self._handlers)
        self._background = [self._prepare(task) for task in self.service.background]
        if self.platform.performers:
            self.effects = EffectRunner(
                self.db.sessions,
                self.service.metadata.tables["side_effects"],
                self.platform.performers,
                on_events_committed=self.relay.wake,
                unit_of_work=lambda session: self.service.unit_of_work(session, self.outbox),
                concurrency=self.platform.effect_concurrency,
            )

    def _wake_effects(self) -> None:
        if self.effects is not None:
            self.effects.wake()

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
        if self.effects is not None:
            self._spawn(supervise("side effects", self.effects.run), "effects")
        for task, run, lease in self._background:
            if lease is not None:
                self._spawn(
                    supervise(task.name, functools.partial(lease.run_exclusively, run)), task.name
                )
            else:
                self._spawn(supervise(task.name, run), task.name)

    def _prepare(self, task: BackgroundTask) -> tuple[BackgroundTask, Any, Lease | None]:
        """The task with what it names bound; a one_replica task may also name `lease`
        (to check `lease.held` right before an effect)."""
        if not task.one_replica:
            return task, inject(task.run, self.collaborators), None
        lease = Lease(
            self._connected_jetstream,
            self.settings.event_namespace,
            f"{self.name}-{task.name}",
            ttl=task.lease_ttl_seconds,
            replicas=self.settings.stream_replicas,
        )
        return task, inject(task.run, self.collaborators | {"lease": lease}), lease

    def _spawn(self, coroutine: Coroutine[Any, Any, None], label: str) -> None:
        task = asyncio.create_task(coroutine, name=f"{self.name}-{label}")
        task.add_done_callback(_log_if_crashed)
        self._tasks.append(task)

    async def _start_broker(self) -> None:
        delay = 0.2
        routes = self._handlers.routes if self._handlers is not None else []
        while True:
            try:
                await self.broker.connect()
                js = self.broker.connection.jetstream()
                await ensure_streams(
                    js, self.settings.event_namespace, self.settings.stream_replicas
                )
                if routes:
                    await self.consumer.declare(js, routes)
                await self.broker.start()
            except asyncio.CancelledError:
                raise
            except ConsumerConfigError as exc:
                self._cannot_start = str(exc)  # readiness says why, not just "not connected"
                raise  # a deployment mistake, not an outage: logged as a crash
            except SetupError:
                raise  # a wiring mistake in our code, not an outage: logged as a crash
            except Exception as exc:  # noqa: BLE001 - NATS not there yet: keep trying
                log.warning(
                    "cannot start on NATS yet (%s: %s); retrying in %.1fs",
                    type(exc).__name__,
                    exc,
                    delay,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            self._js = js
            self.broker_started.set()
            log.info("connected to NATS; streams ready; %d consumers running", len(routes))
            return

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
        for name, check in self.platform.readiness_checks.items():
            try:
                checks[name] = await asyncio.wait_for(check(), 2.0)
            except Exception as exc:  # noqa: BLE001 - a failing check is an answer too
                checks[name] = f"unreachable: {type(exc).__name__}"
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
        except Exception:  # shutting down anyway
            log.warning("broker did not stop cleanly", exc_info=True)
        try:
            await self._exit.aclose()  # the composition root closes its clients
        finally:
            await self.db.dispose()


def _log_if_crashed(task: asyncio.Task[None]) -> None:
    """A background task must never die unseen."""
    if not task.cancelled() and task.exception() is not None:
        log.critical("background task %s died", task.get_name(), exc_info=task.exception())
