"""A minimal service for the kit's own tests (not run in production): it records one row per handled
UserRegistered, and can be told to fail or hang after writing (to prove the rollback, and
what a stop mid-batch does)."""

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from pydantic import Field
from sqlalchemy import BigInteger, Column, DateTime, MetaData, Table, Text, Uuid, func

from walletreports.contracts.web import UserRegistered
from walletreports.kit.bulk import insert_from_arrays
from walletreports.kit.messaging.consumers import EventHandlers
from walletreports.kit.messaging.tables import inbox_table, outbox_table
from walletreports.kit.messaging.unit_of_work import UnitOfWork
from walletreports.kit.service import ServiceSpec
from walletreports.kit.settings import DatabaseUrl, ServiceSettings

metadata = MetaData()
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
effects = Table(
    "probe_effects",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("event_id", Uuid, nullable=False),
    Column("email", Text, nullable=False),
    # The database clock at the effect, so latency can be read against outbox.created_at.
    Column("handled_at", DateTime(timezone=True), nullable=False, server_default=func.clock_timestamp()),
)


class ProbeSettings(ServiceSettings):
    database_url: DatabaseUrl = Field(validation_alias="PROBE_DATABASE_URL")


handlers = EventHandlers("probe")
injected_failures = {"left": 0}
# Handlers that hang after writing (until cancelled), to stop a service mid-batch.
injected_hangs = {"left": 0}
hanging = asyncio.Event()


RECORD_EFFECT = insert_from_arrays(effects, ("event_id", "email"))


# A batch handler: its effect is a set of rows, written with one statement per batch
# (the per-event form is for handlers whose work differs event by event).
@handlers.on_batch(UserRegistered)
async def record_effect(events: Sequence[UserRegistered], uow: UnitOfWork) -> None:
    await uow.session.execute(
        RECORD_EFFECT, {"event_id": [event.event_id for event in events], "email": [event.email for event in events]}
    )
    if injected_hangs["left"] > 0:
        injected_hangs["left"] -= 1
        hanging.set()
        await asyncio.Event().wait()
    if injected_failures["left"] > 0:
        injected_failures["left"] -= 1
        raise RuntimeError("injected failure after the effect was written")


CONSUMER = ServiceSpec(
    name="probe",
    settings_cls=ProbeSettings,
    metadata=metadata,
    migrations_dir=Path(__file__).parent / "probe_migrations",
    handlers=handlers,
)
PRODUCER = replace(CONSUMER, name="probe_producer", handlers=None)
