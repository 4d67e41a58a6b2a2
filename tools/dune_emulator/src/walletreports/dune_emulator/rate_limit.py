"""Dune's per-minute limit on execute requests: a sliding window over the executes it let
through; one past the limit is answered 429 with Retry-After saying when a slot frees."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable


class ExecuteRateLimit:
    def __init__(
        self,
        per_window: int | None,
        window_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_window = per_window  # None: no limit
        self.window_seconds = window_seconds
        self._clock = clock
        self._admitted: deque[float] = deque()

    def admit(self) -> int | None:
        """None when this execute may go ahead (and is counted against the window), else
        the whole seconds until it could (at least 1: Retry-After takes integers)."""
        now = self._clock()
        while self._admitted and self._admitted[0] <= now - self.window_seconds:
            self._admitted.popleft()
        if self.per_window is None or len(self._admitted) < self.per_window:
            self._admitted.append(now)
            return None
        wait = self._admitted[0] + self.window_seconds - now
        return max(1, math.ceil(wait))

    def reset(self) -> None:
        self._admitted.clear()
