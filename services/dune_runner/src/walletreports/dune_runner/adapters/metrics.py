"""dune_runner's own metrics, beside the kit's (`side_effects_total{kind="dune.execute",
outcome}` counts every execute by how it ended). Credits are counted when the ledger
records them (once per execution, as the ledger does); jobs by status are counted from
the database every few seconds by every replica, so any one scraped answers."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from prometheus_client import Counter, Gauge

from ..domain import JobStatus

CREDITS = Counter("dune_runner_credits_total", "Dune credits the executions cost (from the ledger)")
EXECUTIONS_COSTED = Counter(
    "dune_runner_executions_total", "Executions the ledger recorded", ["outcome"]
)
JOBS = Gauge("dune_runner_jobs", "Query jobs by status", ["status"])


def ledger_recorded(credits: Decimal, outcome: str) -> None:
    # A metric is a float; the ledger itself keeps the exact Decimal.
    CREDITS.inc(float(credits))
    EXECUTIONS_COSTED.labels(outcome).inc()


def jobs_counted(counts: Mapping[str, int]) -> None:
    for status in JobStatus:
        JOBS.labels(status.value).set(counts.get(status.value, 0))
