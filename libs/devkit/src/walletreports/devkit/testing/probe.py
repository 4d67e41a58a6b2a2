"""A minimal service for the kit's own tests (not run in production): it records one row per handled
UserRegistered, and can be told to fail or hang after writing (to prove the rollback, and
what a stop mid-batch does)."""

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, MetaData, Table, Text, Uuid, func

from walletreports.contracts.web import UserRegistered
from walletreports.kit.background import BackgroundTask
from walletreports.kit.bulk import insert_from_arrays
from walletreports.kit.db import Database
from walletreports.kit.effects import Intent, Performer
from walletreports.kit.errors import Conflict
from walletreports.kit.lease import Lease
from walletreports.kit.messaging.consumers import EventHandlers
from walletreports.kit.messaging.unit_of_work import UnitOfWork
from walletreports.kit.platform import Platform
from walletreports.kit.service import Service
from walletreports.kit.settings import ServiceSettings
from walletreports.kit.tables import kit_tables

metadata = MetaData()
outbox, inbox, side_effects = kit_tables(metadata)
effects = Table(
    "probe_effects",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("event_id", Uuid, nullable=False),
    Column("email", Text, nullable=False),
    # The database clock at the effect, so latency can be read against outbox.created_at.
    Column(
        "handled_at", DateTime(timezone=True), nullable=False, server_default=func.clock_timestamp()
    ),
)


class ProbeSettings(ServiceSettings, env_prefix="PROBE_"):
    pass


handlers = EventHandlers("probe")
injected_failures = {"left": 0}
# Handlers that refuse after writing (a DomainError: refused for good, not retried).
injected_refusals = {"left": 0}
# Handlers that hang after writing (until cancelled), to stop a service mid-batch.
injected_hangs = {"left": 0}
hanging = asyncio.Event()


RECORD_EFFECT = insert_from_arrays(effects, ("event_id", "email"))


# A batch handler: its effect is a set of rows, written with one statement per batch
# (the per-event form is for handlers whose work differs event by event).
@handlers.on_batch(UserRegistered)
async def record_effect(events: Sequence[UserRegistered], uow: UnitOfWork) -> None:
    await uow.session.execute(
        RECORD_EFFECT,
        {
            "event_id": [event.event_id for event in events],
            "email": [event.email for event in events],
        },
    )
    if injected_hangs["left"] > 0:
        injected_hangs["left"] -= 1
        hanging.set()
        await asyncio.Event().wait()
    if injected_failures["left"] > 0:
        injected_failures["left"] -= 1
        raise RuntimeError("injected failure after the effect was written")
    if injected_refusals["left"] > 0:
        injected_refusals["left"] -= 1
        raise Conflict("injected refusal after the effect was written")


CONSUMER = Service(
    name="probe",
    settings=ProbeSettings,
    metadata=metadata,
    migrations_dir=Path(__file__).parent / "probe_migrations",
    handlers=handlers,
)
PRODUCER = replace(CONSUMER, name="probe_producer", handlers=None)

# Which replica's leased task ran, and when (monotonic seconds): (replica, start, end).
leased_runs: list[tuple[int, float, float]] = []


async def leased_heartbeat(database: Database, lease: Lease) -> None:
    """Runs on one replica at a time: records its replica (its database object) every 20 ms,
    each time only while its lease is still held (as an effect should)."""
    started = time.monotonic()
    try:
        while True:
            await asyncio.sleep(0.02)
            if lease.held:
                leased_runs.append((id(database), started, time.monotonic()))
    finally:
        leased_runs.append((id(database), started, time.monotonic()))


LEASED = replace(
    PRODUCER,
    name="probe_leased",
    background=[BackgroundTask(leased_heartbeat, one_replica=True, lease_ttl_seconds=2.0)],
)


# A service with a side-effect performer, wired by its composition root.
performed: list[str] = []
PROBE_EFFECT_CONCURRENCY = 3


class RecordingPerformer(Performer):
    """Performs "note" effects by appending the payload's text to `performed`."""

    async def perform(self, intent: Intent) -> dict[str, str]:
        performed.append(intent.payload["text"])
        return {"noted": intent.payload["text"]}


@asynccontextmanager
async def bootstrap_with_performer(platform: Platform[Any]) -> AsyncIterator[None]:
    platform.add_performer("note", RecordingPerformer())
    platform.perform_at_once(PROBE_EFFECT_CONCURRENCY)
    yield None


WITH_EFFECTS = replace(PRODUCER, name="probe_effects", bootstrap=bootstrap_with_performer)
