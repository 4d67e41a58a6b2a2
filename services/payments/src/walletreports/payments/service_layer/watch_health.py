"""How the chain watcher is doing, for /readyz and /metrics: when its last cycle
succeeded, how many failed since, and what the last failure was. Kept in memory by
the replica that runs the watcher; the others have nothing to say about it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from prometheus_client import Counter, Gauge

CYCLES = Counter("payments_watcher_cycles_total", "Watcher poll cycles", ["outcome"])
LAST_SUCCESS = Gauge(
    "payments_watcher_last_success_timestamp_seconds",
    "When the watcher last completed a cycle (lag: now minus this)",
)
FAILURES_IN_A_ROW = Gauge(
    "payments_watcher_failures_in_a_row", "Watcher cycles failed since the last success"
)
# Failures in a row before readiness says the chain cannot be watched.
UNREADY_AFTER = 3


@dataclass
class WatcherHealth:
    running: bool = False
    last_success_at: datetime | None = None
    failures_in_a_row: int = 0
    last_error: str | None = None

    def succeeded(self, now: datetime) -> None:
        self.running = True
        self.last_success_at = now
        self.failures_in_a_row = 0
        self.last_error = None
        CYCLES.labels("ok").inc()
        LAST_SUCCESS.set(now.timestamp())
        FAILURES_IN_A_ROW.set(0)

    def failed(self, error: Exception) -> None:
        self.running = True
        self.failures_in_a_row += 1
        self.last_error = f"{type(error).__name__}: {error}"
        CYCLES.labels("failed").inc()
        FAILURES_IN_A_ROW.set(self.failures_in_a_row)

    def problem(self) -> str | None:
        """Why the watcher cannot be trusted now, or None."""
        if self.failures_in_a_row >= UNREADY_AFTER:
            return f"{self.failures_in_a_row} watcher cycles failed in a row: {self.last_error}"
        return None
