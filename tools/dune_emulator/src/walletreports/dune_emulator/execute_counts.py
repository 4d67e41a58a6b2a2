"""Counts of execute requests, so tests can assert how many paid executions a client
asked for: `received` counts every execute request that reached the emulator (refused ones
too: a 401, a 429, a scripted fault, a client's retry), `started` only those that became an
execution (what Dune would bill)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class ExecuteCounts:
    received: int = 0
    started: int = 0
    # Saved-query executes by query id; raw-SQL executes count only in the totals.
    received_by_query: dict[int, int] = field(default_factory=dict)
    started_by_query: dict[int, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "received": {"total": self.received, "by_query": _keyed(self.received_by_query)},
            "started": {"total": self.started, "by_query": _keyed(self.started_by_query)},
        }


def _keyed(counts: dict[int, int]) -> dict[str, int]:
    return {str(query_id): n for query_id, n in sorted(counts.items())}


class ExecuteCounter:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._received = 0
        self._started = 0
        self._received_by_query: Counter[int] = Counter()
        self._started_by_query: Counter[int] = Counter()

    def record_received(self, query_id: int | None) -> None:
        self._received += 1
        if query_id is not None:
            self._received_by_query[query_id] += 1

    def record_started(self, query_id: int | None) -> None:
        self._started += 1
        if query_id is not None:
            self._started_by_query[query_id] += 1

    def snapshot(self) -> ExecuteCounts:
        return ExecuteCounts(
            self._received,
            self._started,
            dict(self._received_by_query),
            dict(self._started_by_query),
        )
