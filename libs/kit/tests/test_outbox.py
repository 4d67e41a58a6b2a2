"""Outbox: nothing committed is lost — not while NATS is down, not in a crash."""

import asyncio
import subprocess
import sys
import textwrap

import nats
from sqlalchemy import select

from walletreports.contracts import wire_subject
from walletreports.devkit.testing.events import host_port, user_registered
from walletreports.devkit.testing.eventually import count_rows as count
from walletreports.devkit.testing.eventually import eventually
from walletreports.devkit.testing.probe import CONSUMER, PRODUCER, effects, inbox, outbox
from walletreports.devkit.testing.tcp_proxy import TcpProxy


async def _published_at(service, event):
    async with service.runtime.db.sessions() as session:
        return (
            await session.execute(
                select(outbox.c.published_at, outbox.c.attempts).where(
                    outbox.c.event_id == event.event_id
                )
            )
        ).one()


async def test_event_committed_while_nats_is_down_is_delivered_when_it_returns(services, nats_url):
    proxy = await TcpProxy(*host_port(nats_url)).start()
    async with (
        services.run(PRODUCER, NATS_URL=f"nats://127.0.0.1:{proxy.port}") as producer,
        services.run(CONSUMER) as consumer,
    ):
        await proxy.cut()
        await eventually(lambda: _not_ready(producer))
        event = user_registered()
        async with producer.runtime.units() as uow:
            await uow.emit(event)

        # While NATS is away the row waits; nothing reaches the consumer. (A deliberate
        # pause: the claim is that nothing happens during it.)
        await asyncio.sleep(1.5)
        assert (await _published_at(producer, event)).published_at is None
        assert await count(consumer, effects, event_id=event.event_id) == 0

        await proxy.restore()
        await eventually(lambda: count(consumer, effects, event_id=event.event_id), timeout=20)
        await eventually(lambda: _published(producer, event))
        assert await count(consumer, effects, event_id=event.event_id) == 1
    await proxy.close()


async def _not_ready(service) -> bool:
    return (await service.http.get("/readyz")).status_code == 503


async def _published(service, event) -> bool:
    return (await _published_at(service, event)).published_at is not None


CRASH_AFTER_COMMIT = textwrap.dedent(
    """
    import asyncio, os, sys
    from walletreports.kit.db import Database
    from walletreports.kit.messaging.outbox import Outbox
    from walletreports.kit.messaging.unit_of_work import UnitOfWork, UnitsOfWork
    from walletreports.contracts.web import UserRegistered
    from walletreports.devkit.testing.probe import outbox

    async def main():
        db = Database({database_url!r})
        units = UnitsOfWork(db.sessions, Outbox(outbox), lambda: None, UnitOfWork)
        async with units() as uow:
            await uow.emit(UserRegistered.model_validate_json({event_json!r}))
        os._exit(9)  # the process dies between the commit and any publish

    asyncio.run(main())
    """
)


async def test_a_crash_between_commit_and_publish_loses_nothing(services, tmp_path):
    database_url = services.database(PRODUCER)
    event = user_registered()
    script = CRASH_AFTER_COMMIT.format(
        database_url=database_url, event_json=event.model_dump_json()
    )
    crashed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert crashed.returncode == 9, crashed.stderr

    async with (
        services.run(CONSUMER) as consumer,
        services.run(PRODUCER, database_url=database_url) as producer,
    ):
        await eventually(lambda: count(consumer, effects, event_id=event.event_id))
        await eventually(lambda: _published(producer, event))
        assert await count(consumer, effects, event_id=event.event_id) == 1


async def test_a_crash_after_publish_before_marking_is_not_a_second_delivery(services, nats_url):
    """The relay died after JetStream took the event but before the row was marked:
    the next relay publishes it again under the same Nats-Msg-Id, and it is dropped."""
    database_url = services.database(PRODUCER)
    event = user_registered()
    async with services.run(CONSUMER) as consumer:
        nc = await nats.connect(nats_url)
        js = nc.jetstream()
        await js.publish(
            wire_subject(services.namespace, event.subject),
            event.model_dump_json().encode(),
            headers={"Nats-Msg-Id": str(event.event_id)},
        )
        await eventually(lambda: count(consumer, effects, event_id=event.event_id))
        # The unmarked row, as the crashed relay left it.
        from walletreports.kit.db import Database
        from walletreports.kit.messaging.outbox import Outbox
        from walletreports.kit.messaging.unit_of_work import UnitOfWork, UnitsOfWork

        db = Database(database_url)
        async with UnitsOfWork(db.sessions, Outbox(outbox), lambda: None, UnitOfWork)() as uow:
            await uow.emit(event)
        await db.dispose()

        async with services.run(PRODUCER, database_url=database_url) as producer:
            await eventually(lambda: _published(producer, event))
        stream = await js.stream_info(f"{services.namespace}_WEB".upper())
        await nc.close()
        assert stream.state.messages == 1
        assert await count(consumer, effects, event_id=event.event_id) == 1
        assert await count(consumer, inbox, event_id=event.event_id) == 1
