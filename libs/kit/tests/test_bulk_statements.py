"""The outbox and inbox write a batch with one array statement: every field of every
row arrives, in order, with or without a correlation id; a repeat claims nothing."""

import uuid

import pytest_asyncio
from sqlalchemy import select

from walletreports.contracts.web import UserRegistered
from walletreports.devkit.testing.probe import CONSUMER, PRODUCER, inbox, outbox
from walletreports.kit.db import Database
from walletreports.kit.messaging.inbox import Inbox
from walletreports.kit.messaging.outbox import Outbox


@pytest_asyncio.fixture(loop_scope="session")
async def producer_db(services):
    db = Database(services.database(PRODUCER))
    yield db
    await db.dispose()


@pytest_asyncio.fixture(loop_scope="session")
async def consumer_db(services):
    db = Database(services.database(CONSUMER))
    yield db
    await db.dispose()


def registered(name: str, correlation_id: str | None) -> UserRegistered:
    return UserRegistered(
        user_id=uuid.uuid4(),
        email=f"{name}@example.com",
        display_name=name,
        correlation_id=correlation_id,
    )


async def test_the_outbox_keeps_every_field_of_every_event_in_order(producer_db):
    events = [registered("a", None), registered("b", "order-1"), registered("c", None)]
    async with producer_db.sessions() as session, session.begin():
        await Outbox(outbox).record(session, *events)
    query = (
        select(outbox.c.event_id, outbox.c.subject, outbox.c.payload, outbox.c.correlation_id)
        .where(outbox.c.event_id.in_([e.event_id for e in events]))
        .order_by(outbox.c.id)
    )
    async with producer_db.sessions() as session:
        rows = (await session.execute(query)).all()
    assert [tuple(row) for row in rows] == [
        (e.event_id, e.subject, e.model_dump_json().encode(), e.correlation_id) for e in events
    ]


async def test_only_first_sightings_are_claimed_in_the_inbox(consumer_db):
    seen, new = registered("seen", None), registered("new", "order-2")
    claims = Inbox(inbox)
    async with consumer_db.sessions() as session, session.begin():
        assert await claims.claim_many(session, "test__bulk", [seen]) == {seen.event_id}
    async with consumer_db.sessions() as session, session.begin():
        fresh = await claims.claim_many(session, "test__bulk", [seen, new, new])
        # Another consumer keeps its own claims.
        other = await claims.claim_many(session, "test__other", [seen])
    assert fresh == {new.event_id} and other == {seen.event_id}
    async with consumer_db.sessions() as session:
        rows = (
            await session.execute(
                select(inbox.c.consumer, inbox.c.event_id, inbox.c.subject).where(
                    inbox.c.event_id.in_([seen.event_id, new.event_id])
                )
            )
        ).all()
    assert sorted(map(tuple, rows)) == sorted(
        [
            ("test__bulk", seen.event_id, seen.subject),
            ("test__bulk", new.event_id, new.subject),
            ("test__other", seen.event_id, seen.subject),
        ]
    )
