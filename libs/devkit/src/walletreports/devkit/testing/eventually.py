"""Waiting for an asynchronous effect with a deadline instead of a sleep, and counting rows."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import func, select

T = TypeVar("T")


async def eventually(
    probe: Callable[[], Awaitable[T]], *, timeout: float = 15.0, interval: float = 0.05
) -> T:
    """Return the first truthy value of `probe()`; fail with the last value after `timeout`."""
    deadline = asyncio.get_running_loop().time() + timeout
    value = await probe()
    while not value:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last value: {value!r})")
        await asyncio.sleep(interval)
        value = await probe()
    return value


async def count_rows(service: Any, table: Any, **where: Any) -> int:
    """Rows of `table` in a running service's own database matching column=value pairs."""
    async with service.runtime.db.sessions() as session:
        query = select(func.count()).select_from(table)
        for column, value in where.items():
            query = query.where(table.c[column] == value)
        rows: int = (await session.execute(query)).scalar_one()
        return rows
