"""Pulling a durable consumer's messages in batches, on FastStream's NATS connection.

FastStream stays the broker and connection layer, but the kit pulls the batches
itself instead of using FastStream's batch subscriber, whose loop
(faststream/nats/subscriber/usecases/stream_pull_subscriber.py,
BatchPullStreamSubscriber._consume_pull) catches only `nats.errors.TimeoutError`.
nats-py's batch fetch (nats/js/client.py, PullSubscription._fetch_n) raises a plain
`asyncio.TimeoutError` when the time runs out between its no-wait probe and its
waiting request. That plain error ends FastStream's loop (its supervisor restarts
it), and the messages already gathered for the batch then wait out the ack wait.
FastStream gives no way in around the fetch: the subscriber class is hard-wired in
faststream/nats/subscriber/factory.py, and middlewares only see what was fetched.
Patching nats-py would change it for the whole process. Here both kinds of timeout
mean "nothing more came in time".

It is also the cheaper path: messages go straight from the fetch to the consumer,
with no parser, decoder or middlewares of the broker in between.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)

FIRST_BACK_OFF_SECONDS = 0.2
LAST_BACK_OFF_SECONDS = 5.0


class Subscription(Protocol):
    """What the loop needs of nats-py's JetStreamContext.PullSubscription."""

    async def fetch(self, batch: int = 1, timeout: float | None = 5) -> list[Any]: ...


async def _first_message(sub: Subscription, idle_wait: float, stopping: asyncio.Event) -> list[Any]:
    """A long poll for one message: back as soon as one is there, after `idle_wait`
    without one, or at once when the consumer stops (the fetch is then dropped; a
    message JetStream sent it meanwhile comes back after the ack wait)."""
    fetching = asyncio.ensure_future(sub.fetch(1, timeout=idle_wait))
    stopped = asyncio.ensure_future(stopping.wait())
    try:
        await asyncio.wait({fetching, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
        if not fetching.done():
            fetching.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await fetching
    if fetching.cancelled():
        return []
    try:
        return list(fetching.result())
    except TimeoutError:  # nats.errors.TimeoutError too: nothing came
        return []


async def fetch_batch(
    sub: Subscription,
    size: int,
    wait: float,
    stopping: asyncio.Event,
    *,
    idle_wait: float = 0.0,
) -> list[Any]:
    """Up to `size` messages. What is already there comes at once, and a partial batch
    waits at most `wait` seconds to fill: nats-py hands back whatever has arrived, so
    it is asked again for the rest until the batch is full or the time is up.

    With `idle_wait` (the consumer had nothing last time), it first waits up to that
    long for one message, then at most `wait` for the rest: an idle consumer asks the
    server once per `idle_wait` instead of once per `wait` (many consumers polling
    every 0.1 s cost a service a tenth of a core doing nothing)."""
    messages: list[Any] = []
    if idle_wait > 0:
        messages = await _first_message(sub, idle_wait, stopping)
        if not messages:
            return []
    deadline = time.monotonic() + wait
    while len(messages) < size and not stopping.is_set():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            messages += await sub.fetch(size - len(messages), timeout=remaining)
        # nats.errors.TimeoutError is a subclass: either kind means nothing more came.
        except TimeoutError:
            break
        except Exception:
            if not messages:
                raise
            break  # hand over what came; the next fetch meets the error again if it lasts
    return messages


async def pull(
    sub: Subscription,
    handle: Callable[[list[Any]], Awaitable[None]],
    *,
    size: int,
    wait: float,
    stopping: asyncio.Event,
    connected: Callable[[], bool],
    name: str,
    idle_wait: float = 0.0,
) -> None:
    """Fetch batches and hand them to `handle` (at most `size` messages each) until
    `stopping` is set. While NATS is away it waits instead of queueing pull requests
    on the reconnecting client. A failed fetch or handling is logged, and the loop
    goes on after a short back-off. After a fetch that brought nothing, the next one
    long-polls for up to `idle_wait` (see fetch_batch)."""
    back_off = FIRST_BACK_OFF_SECONDS
    idle = True
    while not stopping.is_set():
        if not connected():
            await _pause(stopping, wait)
            continue
        try:
            messages = await fetch_batch(
                sub, size, wait, stopping, idle_wait=idle_wait if idle else 0.0
            )
        except Exception as exc:  # noqa: BLE001 - NATS going away or the consumer missing: try again
            if stopping.is_set():
                return
            log.warning(
                "fetching for %s failed (%s: %s); again in %.1fs",
                name,
                type(exc).__name__,
                exc,
                back_off,
            )
            await _pause(stopping, back_off)
            back_off = min(back_off * 2, LAST_BACK_OFF_SECONDS)
            continue
        back_off = FIRST_BACK_OFF_SECONDS
        idle = not messages
        # A fetch can return more than asked for (messages left over from a pull
        # request that had already timed out), but a batch never goes over `size`.
        for start in range(0, len(messages), size):
            try:
                await handle(messages[start : start + size])
            except Exception:  # unacked, they come back after the ack wait
                log.exception("handling a batch for %s failed", name)


async def _pause(stopping: asyncio.Event, seconds: float) -> None:
    """Sleep, but end the sleep as soon as the consumer stops."""
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(stopping.wait(), seconds)
