"""Waiting for an asynchronous effect, with a deadline instead of a sleep."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def eventually(probe: Callable[[], Awaitable[T]], *, timeout: float = 15.0, interval: float = 0.05) -> T:
    """Return the first truthy value of `probe()`; fail with the last value after `timeout`."""
    deadline = asyncio.get_running_loop().time() + timeout
    value = await probe()
    while not value:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last value: {value!r})")
        await asyncio.sleep(interval)
        value = await probe()
    return value
