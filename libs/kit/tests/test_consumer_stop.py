"""A service stopping in the middle of a batch gives it back at once: rolled back, NAK'd,
and handled by another replica — not left to wait out JetStream's ack wait."""

import asyncio
import contextlib
import time

from walletreports.devkit.testing import probe
from walletreports.devkit.testing.events import user_registered
from walletreports.devkit.testing.eventually import count_rows as count
from walletreports.devkit.testing.eventually import eventually
from walletreports.devkit.testing.probe import CONSUMER, PRODUCER, effects, inbox
from walletreports.kit.messaging.group_commit import ACK_WAIT_SECONDS


async def test_a_batch_cut_short_by_a_stop_goes_back_at_once_to_another_replica(
    services, monkeypatch
):
    monkeypatch.setitem(probe.injected_hangs, "left", 1)
    probe.hanging.clear()
    event = user_registered()
    async with services.run(PRODUCER) as producer, contextlib.AsyncExitStack() as replica_a:
        a = await replica_a.enter_async_context(services.run(CONSUMER))
        async with producer.runtime.units() as uow:
            await uow.emit(event)
        await asyncio.wait_for(
            probe.hanging.wait(), 10
        )  # A wrote its effect and hangs, uncommitted
        async with services.run(CONSUMER, database_url=a.database_url) as b:
            stopping = time.monotonic()
            await replica_a.aclose()
            await eventually(
                lambda: count(b, effects, event_id=event.event_id), timeout=ACK_WAIT_SECONDS / 2
            )
            assert time.monotonic() - stopping < ACK_WAIT_SECONDS / 2
            # A's half-done transaction left nothing: one effect, one inbox row, from B.
            assert await count(b, effects, event_id=event.event_id) == 1
            assert await count(b, inbox, event_id=event.event_id) == 1
