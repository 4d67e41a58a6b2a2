"""nats-py's pull fetch raises one kind of timeout, so FastStream's batch loop keeps going."""

import asyncio

import nats
import nats.errors
import pytest

from walletreports.kit.messaging.fetch_timeouts import one_timeout_kind_from_fetch, with_one_timeout_kind


async def test_a_plain_asyncio_timeout_becomes_the_nats_kind():
    async def fetch_whose_time_ran_out(*_args, **_kwargs):
        raise asyncio.TimeoutError

    with pytest.raises(nats.errors.TimeoutError):
        await with_one_timeout_kind(fetch_whose_time_ran_out)()


async def test_messages_and_other_errors_pass_through():
    async def fetch_ok(batch):
        return ["m"] * batch

    async def fetch_broken():
        raise nats.errors.ConnectionClosedError

    assert await with_one_timeout_kind(fetch_ok)(2) == ["m", "m"]
    with pytest.raises(nats.errors.ConnectionClosedError):
        await with_one_timeout_kind(fetch_broken)()


async def test_the_real_fetch_on_an_empty_consumer_raises_only_the_nats_kind(nats_url, namespace):
    one_timeout_kind_from_fetch()
    one_timeout_kind_from_fetch()  # idempotent: wrapped once
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    stream = f"{namespace}_FETCH".upper()
    await js.add_stream(name=stream, subjects=[f"{namespace}.fetch"])
    try:
        sub = await js.pull_subscribe(f"{namespace}.fetch", durable="empty", stream=stream)
        for timeout in (0.001, 0.01, 0.05, 0.001):
            try:
                # nats-py may also answer an empty list (a stale status message ends the fetch).
                assert await sub.fetch(batch=8, timeout=timeout) == []
            except nats.errors.TimeoutError:
                pass
        assert not hasattr(sub.fetch.__wrapped__, "__wrapped__")
    finally:
        await js.delete_stream(stream)
        await nc.close()
