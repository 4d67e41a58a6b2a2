"""Credits an execution costs. Dune bills compute actually used, which nothing here can
measure, so the emulator charges a deterministic stand-in tests can assert exactly:

    credits = 10 x performance multiplier (medium 1, large 2) + 1 per full 1,000 result rows

for an execution that produced a result (COMPLETED, COMPLETED_PARTIAL, and one that expired
later keeps its charge); 0 for FAILED and CANCELLED, as in Dune's documented failed-status
example (`"execution_cost_credits": 0`).
"""

from __future__ import annotations

BASE_CREDITS = 10
PERFORMANCE_MULTIPLIERS = {"medium": 1, "large": 2}
ROWS_PER_EXTRA_CREDIT = 1_000


def execution_cost_credits(performance: str, row_count: int) -> int:
    base = BASE_CREDITS * PERFORMANCE_MULTIPLIERS[performance]
    return base + row_count // ROWS_PER_EXTRA_CREDIT
