"""The kit's pull loop keeps consuming whatever nats-py's fetch throws at it: both kinds
of timeout end a batch (and hand over what came), other errors are retried after a
back-off, and no fetched message is left to wait out the ack wait."""

import asyncio
import logging
import time

import nats
import nats.errors
import pytest
from nats.js import JetStreamContext

from walletreports.contracts import stream_name
from walletreports.devkit.testing.events import host_port, user_registered
from walletreports.devkit.testing.eventually import count_rows as count
from walletreports.devkit.testing.eventually import eventually
from walletreports.devkit.testing.probe import CONSUMER, PRODUCER, effects
from walletreports.devkit.testing.tcp_proxy import TcpProxy
from walletreports.kit.messaging.consumers import GROUP_SIZE
from walletreports.kit.messaging.group_commit import ACK_WAIT_SECONDS
from walletreports.kit.messaging.pull_loop import fetch_batch, pull

DURABLE = "probe__record_effect"


class ScriptedSubscription:
    """Answers each fetch with the next step of a script (messages, or an error to
    raise); once the script is done it stops the loop."""

    def __init__(self, script: list, stopping: asyncio.Event) -> None:
        self.script = list(script)
        self.stopping = stopping
        self.asked: list[int] = []

    async def fetch(self, batch: int = 1, timeout: float | None = 5) -> list:
        self.asked.append(batch)
        await asyncio.sleep(0)
        if not self.script:
            self.stopping.set()
            raise nats.errors.TimeoutError
        step = self.script.pop(0)
        if isinstance(step, BaseException):
            raise step
        return step


async def run_loop(script: list, *, size: int = 8, handle=None, connected=lambda: True):
    stopping = asyncio.Event()
    sub = ScriptedSubscription(script, stopping)
    batches: list[list] = []

    async def record(messages: list) -> None:
        batches.append(messages)

    await asyncio.wait_for(
        pull(
            sub,
            handle or record,
            size=size,
            wait=1.0,
            stopping=stopping,
            connected=connected,
            name="probe",
        ),
        10,
    )
    return batches, sub


async def test_a_plain_asyncio_timeout_ends_the_batch_and_the_loop_goes_on():
    batches, sub = await run_loop(
        [["a", "b"], TimeoutError(), ["c"], nats.errors.TimeoutError(), ["d"], TimeoutError()]
    )
    # What came before the plain timeout is handed over, and the loop keeps fetching.
    assert batches == [["a", "b"], ["c"], ["d"]]
    assert sub.asked[:2] == [8, 6]  # a partial batch asks for the rest


async def test_a_failed_fetch_is_logged_and_retried(caplog):
    with caplog.at_level(logging.WARNING, logger="walletreports.kit.messaging.pull_loop"):
        batches, _ = await run_loop([nats.errors.ConnectionClosedError(), ["a"]])
    assert batches == [["a"]]
    assert "fetching for probe failed (ConnectionClosedError" in caplog.text


async def test_messages_fetched_before_an_error_are_handed_over():
    batches, _ = await run_loop([["a"], nats.errors.ConnectionClosedError(), ["b"]])
    assert batches == [["a"], ["b"]]


async def test_a_failed_batch_does_not_end_the_loop(caplog):
    seen: list[list] = []

    async def fail_first(messages: list) -> None:
        seen.append(messages)
        if len(seen) == 1:
            raise RuntimeError("handler broke")

    await run_loop([["a"], TimeoutError(), ["b"], TimeoutError()], handle=fail_first)
    assert seen == [["a"], ["b"]]
    assert "handling a batch for probe failed" in caplog.text


async def test_a_batch_never_goes_over_its_size():
    batches, _ = await run_loop([["a", "b", "c"]], size=2)  # nats-py may return more than asked
    assert batches == [["a", "b"], ["c"]]


async def test_while_nats_is_away_it_waits_and_a_stop_ends_the_wait():
    stopping = asyncio.Event()
    sub = ScriptedSubscription([["a"]], stopping)
    loop = asyncio.create_task(
        pull(
            sub,
            _ignore,
            size=8,
            wait=30.0,
            stopping=stopping,
            connected=lambda: False,
            name="probe",
        )
    )
    await asyncio.sleep(0.2)
    stopped = time.monotonic()
    stopping.set()
    await asyncio.wait_for(loop, 1)
    assert time.monotonic() - stopped < 0.5
    assert sub.asked == []  # no pull requests queued on a client that is reconnecting


class LongPolledSubscription:
    """Nothing for a while, then messages: records each fetch's batch and timeout."""

    def __init__(self, script: list) -> None:
        self.script = list(script)
        self.asked: list[tuple[int, float | None]] = []

    async def fetch(self, batch: int = 1, timeout: float | None = 5) -> list:
        self.asked.append((batch, timeout))
        step = self.script.pop(0) if self.script else None
        if step is None:  # nothing: the long poll runs its course
            await asyncio.sleep(timeout or 0)
            raise nats.errors.TimeoutError
        return step


async def test_an_idle_consumer_long_polls_for_its_first_message_then_fills_the_batch():
    stopping = asyncio.Event()
    sub = LongPolledSubscription([None, ["a"], ["b", "c"], None, ["d"], None])
    batches: list[list] = []

    async def record(messages: list) -> None:
        batches.append(messages)
        if len(batches) == 2:
            stopping.set()

    await asyncio.wait_for(
        pull(
            sub,
            record,
            size=8,
            wait=0.05,
            idle_wait=0.2,
            stopping=stopping,
            connected=lambda: True,
            name="probe",
        ),
        5,
    )
    assert batches == [["a", "b", "c"], ["d"]]
    # Idle: one long poll for one message (not one short fetch per `wait`); with a
    # message in hand, the rest of the batch within `wait`; busy, straight batches.
    assert sub.asked[:3] == [(1, 0.2), (1, 0.2), (7, pytest.approx(0.05, abs=0.02))]
    assert sub.asked[3][0] == 5  # the rest of the batch, in what is left of `wait`
    assert sub.asked[4] == (8, pytest.approx(0.05, abs=0.02))  # not idle: no long poll


async def test_a_stop_ends_an_idle_long_poll_at_once():
    stopping = asyncio.Event()
    sub = LongPolledSubscription([None])
    loop = asyncio.create_task(
        pull(
            sub,
            _ignore,
            size=8,
            wait=0.05,
            idle_wait=30.0,
            stopping=stopping,
            connected=lambda: True,
            name="probe",
        )
    )
    await asyncio.sleep(0.1)
    assert sub.asked == [(1, 30.0)]
    stopped = time.monotonic()
    stopping.set()
    await asyncio.wait_for(loop, 1)
    assert time.monotonic() - stopped < 0.5


async def _ignore(messages: list) -> None:
    pass


async def test_the_real_fetch_on_an_empty_consumer_gives_an_empty_batch_whatever_the_wait(
    nats_url, namespace
):
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    stream = f"{namespace}_FETCH".upper()
    await js.add_stream(name=stream, subjects=[f"{namespace}.fetch"])
    try:
        sub = await js.pull_subscribe(f"{namespace}.fetch", durable="empty", stream=stream)
        stopping = asyncio.Event()
        for wait in (0.001, 0.002, 0.005, 0.01, 0.05, 0.001):
            assert await fetch_batch(sub, GROUP_SIZE, wait, stopping) == []
        await js.publish(f"{namespace}.fetch", b"one")
        [msg] = await fetch_batch(sub, GROUP_SIZE, 0.2, stopping)
        assert msg.data == b"one"
    finally:
        await js.delete_stream(stream)
        await nc.close()


async def test_a_service_keeps_consuming_when_fetch_raises_the_plain_timeout(
    services, nats_url, monkeypatch
):
    """nats-py's plain asyncio.TimeoutError, on the fetch for the rest of a partial
    batch: the batch so far is handled at once, nothing waits out the ack wait."""
    real_fetch = JetStreamContext.PullSubscription.fetch
    plain = {"raised": 0}

    async def fetch_whose_time_runs_out_for_the_rest(self, batch=1, timeout=5, heartbeat=None):
        if 1 < batch < GROUP_SIZE:  # the rest of a partial batch (1: an idle long poll)
            plain["raised"] += 1
            raise TimeoutError
        return await real_fetch(self, batch, timeout, heartbeat)

    monkeypatch.setattr(
        JetStreamContext.PullSubscription, "fetch", fetch_whose_time_runs_out_for_the_rest
    )
    async with services.run(PRODUCER) as producer, services.run(CONSUMER) as consumer:
        for _ in range(3):
            events = [user_registered() for _ in range(10)]
            started = time.monotonic()
            async with producer.runtime.units() as uow:
                for event in events:
                    await uow.emit(event)
            for event in events:
                await eventually(
                    lambda event=event: count(consumer, effects, event_id=event.event_id),
                    timeout=10,
                )
            assert time.monotonic() - started < ACK_WAIT_SECONDS / 6
        assert plain["raised"] > 0
        nc = await nats.connect(nats_url)
        try:
            info = await nc.jetstream().consumer_info(
                stream_name(services.namespace, "web"), DURABLE
            )
        finally:
            await nc.close()
        assert info.num_redelivered == 0
        assert await count(consumer, effects) == 30


async def test_consuming_goes_on_after_nats_comes_back(services, nats_url):
    proxy = await TcpProxy(*host_port(nats_url)).start()
    try:
        async with (
            services.run(PRODUCER) as producer,
            services.run(CONSUMER, NATS_URL=f"nats://127.0.0.1:{proxy.port}") as consumer,
        ):
            await proxy.cut()
            await eventually(lambda: _disconnected(consumer))
            event = user_registered()
            async with producer.runtime.units() as uow:
                await uow.emit(event)  # stored by JetStream while the consumer is away
            await asyncio.sleep(1)
            await proxy.restore()
            await eventually(lambda: count(consumer, effects, event_id=event.event_id), timeout=20)
            after = user_registered()
            async with producer.runtime.units() as uow:
                await uow.emit(after)
            await eventually(lambda: count(consumer, effects, event_id=after.event_id), timeout=10)
    finally:
        await proxy.close()


async def _disconnected(service) -> bool:
    return (await service.http.get("/readyz")).status_code == 503
