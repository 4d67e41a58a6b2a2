"""Group commit for small writes that arrive one by one: while one group is being
written, the next ones wait and go together in the following group, so under load a
transaction carries many writes, and alone (no load) a write waits for nobody.

If a group's write raises, each of its items is written alone, so one bad item (a hook
that raises on it) fails only its own caller."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class GroupWriter(Generic[T, R]):
    def __init__(
        self,
        together: Callable[[Sequence[T]], Awaitable[Sequence[R]]],
        alone: Callable[[T], Awaitable[R]],
        *,
        max_size: int,
    ) -> None:
        """`together(items)` writes them in one go and returns a result per item, in
        order; `alone(item)` writes one (the fallback)."""
        if max_size < 1:
            raise ValueError("max_size must be at least 1")
        self.together = together
        self.alone = alone
        self.max_size = max_size
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def write(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_waiting(), name="group-writer")
        # A caller cancelled meanwhile cancels only its future, not the group's write.
        return await future

    async def close(self) -> None:
        """Stop writing (what is waiting gets CancelledError)."""
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
        for _, future in self._waiting:
            future.cancel()
        self._waiting.clear()

    async def _write_waiting(self) -> None:
        while self._waiting:
            # One turn of the loop: the writes that finish in this tick join the group.
            await asyncio.sleep(0)
            group = self._waiting[: self.max_size]
            del self._waiting[: self.max_size]
            try:
                await self._write_group(group)
            except asyncio.CancelledError:
                for _, future in group:
                    future.cancel()
                raise

    async def _write_group(self, group: list[tuple[T, asyncio.Future[R]]]) -> None:
        try:
            results = await self.together([item for item, _ in group])
        except Exception:  # noqa: BLE001 - each item is written alone below
            for item, future in group:
                try:
                    result = await self.alone(item)
                except Exception as error:  # noqa: BLE001 - it is the caller's to handle
                    _settle(future, error=error)
                else:
                    _settle(future, result=result)
            return
        for (_, future), result in zip(group, results, strict=True):
            _settle(future, result=result)


def _settle(
    future: asyncio.Future[R], *, result: R | None = None, error: Exception | None = None
) -> None:
    if future.done():  # its caller went away
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)  # type: ignore[arg-type]
