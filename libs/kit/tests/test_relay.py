"""The relay against a real JetStream: order per correlation id across replicas, and
a row that keeps failing does not hold up the others."""

import asyncio
import uuid

import nats
import pytest_asyncio
from sqlalchemy import select

from walletreports.contracts import stream_name
from walletreports.contracts.web import UserRegistered
from walletreports.devkit.testing.probe import PRODUCER, outbox
from walletreports.kit.db import Database
from walletreports.kit.messaging.outbox import Outbox
from walletreports.kit.messaging.relay import OutboxRelay
from walletreports.kit.messaging.streams import ensure_streams
from walletreports.kit.messaging.unit_of_work import UnitOfWork, UnitsOfWork


@pytest_asyncio.fixture(loop_scope="session")
async def setup(services, nats_url):
    db = Database(services.database(PRODUCER))
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await ensure_streams(js, services.namespace)
    yield db, js, UnitsOfWork(db.sessions, Outbox(outbox), lambda: None, UnitOfWork)
    await nc.close()
    await db.dispose()


class HeldPublish:
    """The real JetStream, except that publishing `held_id` waits until released."""

    def __init__(self, js, held_id: uuid.UUID) -> None:
        self.js = js
        self.held_id = str(held_id)
        self.release = asyncio.Event()
        self.holding = asyncio.Event()

    async def publish_async(self, subject, payload, **kwargs):
        if kwargs.get("headers", {}).get("Nats-Msg-Id") == self.held_id:
            self.holding.set()
            await self.release.wait()
        return await self.js.publish_async(subject, payload, **kwargs)


def registered(correlation_id: str | None = None) -> UserRegistered:
    return UserRegistered(
        user_id=uuid.uuid4(), email="x@example.com", display_name="x", correlation_id=correlation_id
    )


async def test_a_second_replica_does_not_overtake_the_first_on_one_correlation_id(setup, services):
    db, js, units = setup
    first, second = registered("order-1"), registered("order-1")
    async with units() as uow:
        await uow.emit(first)
    async with units() as uow:
        await uow.emit(second)

    held = HeldPublish(js, first.event_id)
    replica_a = OutboxRelay(db.sessions, outbox, lambda: held, services.namespace)
    replica_b = OutboxRelay(db.sessions, outbox, lambda: js, services.namespace)

    pass_a = asyncio.create_task(replica_a.publish_pending())
    await held.holding.wait()  # A has claimed the first event and is publishing it
    assert await replica_b.publish_pending() == (0, 0)  # B may not send the second first
    held.release.set()
    assert await pass_a == (1, 0)
    assert await replica_b.publish_pending() == (1, 0)

    sub = await js.pull_subscribe(
        f"{services.namespace}.web.>", stream=stream_name(services.namespace, "web")
    )
    received = [m.headers["Nats-Msg-Id"] for m in await sub.fetch(2, timeout=5)]
    assert received == [str(first.event_id), str(second.event_id)]


async def test_a_row_that_keeps_failing_does_not_hold_up_the_others(setup, services):
    db, js, units = setup
    healthy = registered("order-2")
    async with units() as uow:
        # A subject no stream carries: JetStream refuses it every time.
        await uow.session.execute(
            outbox.insert().values(
                event_id=uuid.uuid4(), subject="nowhere.v1", payload=b"{}", correlation_id="order-3"
            )
        )
        await uow.emit(healthy)
    relay = OutboxRelay(
        db.sessions, outbox, lambda: js, services.namespace, publish_timeout_seconds=1
    )

    assert await relay.publish_pending() == (1, 1)
    # The failed row now waits its back-off instead of coming first in every pass.
    assert await relay.publish_pending() == (0, 0)
    async with db.sessions() as session:
        poisoned = (
            await session.execute(select(outbox).where(outbox.c.subject == "nowhere.v1"))
        ).one()
    assert poisoned.attempts == 1 and poisoned.published_at is None
    assert (
        "NoStreamResponseError" in poisoned.last_error
        or "no responders" in poisoned.last_error.lower()
    )


async def test_a_backlog_bigger_than_a_batch_goes_out_without_waiting_for_the_poll(setup, services):
    db, js, units = setup
    backlog = [registered() for _ in range(7)]
    async with units() as uow:
        await uow.emit(*backlog)
    # Never woken and a minute between polls: only going on after each full batch
    # (3 + 3 + 1) publishes them all in time.
    relay = OutboxRelay(
        db.sessions, outbox, lambda: js, services.namespace, batch_size=3, idle_poll_seconds=60
    )
    running = asyncio.create_task(relay.run())
    try:
        ids = [event.event_id for event in backlog]
        query = select(outbox.c.event_id).where(
            outbox.c.event_id.in_(ids), outbox.c.published_at.is_not(None)
        )
        async with asyncio.timeout(10):
            while True:
                async with db.sessions() as session:
                    if len((await session.execute(query)).all()) == len(ids):
                        break
                await asyncio.sleep(0.05)
    finally:
        running.cancel()
