"""A service's `one_replica` background task, with two replicas of the service: it runs
on one of them at a time, and when that replica stops, on the other.
(kill -9 of a holder process: test_lease.py, on the same Lease the runtime uses.)"""

import asyncio
import contextlib
import itertools

from walletreports.devkit.testing import probe
from walletreports.devkit.testing.eventually import eventually
from walletreports.devkit.testing.probe import LEASED


async def _ran_on(replica: int) -> bool:
    return any(r == replica for r, _, _ in probe.leased_runs)


def _overlap(runs: list[tuple[int, float, float]]) -> bool:
    """True if two replicas' runs of the task ever overlapped in time."""
    spans: dict[tuple[int, float], float] = {}
    for replica, start, end in runs:
        spans[(replica, start)] = max(end, spans.get((replica, start), end))
    ordered = sorted((start, end, replica) for (replica, start), end in spans.items())
    return any(b[0] < a[1] and a[2] != b[2] for a, b in itertools.pairwise(ordered))


async def test_a_leased_task_runs_on_one_replica_and_moves_when_it_stops(services, monkeypatch):
    monkeypatch.setattr(probe, "leased_runs", [])
    database_url = services.database(LEASED)
    async with contextlib.AsyncExitStack() as second_stack:
        async with services.run(LEASED, database_url=database_url) as first:
            one = id(first.collaborator("database"))
            await eventually(lambda: _ran_on(one))
            second = await second_stack.enter_async_context(
                services.run(LEASED, database_url=database_url)
            )
            two = id(second.collaborator("database"))
            await asyncio.sleep(1.0)  # both replicas up: only the first runs it
            assert not await _ran_on(two)
        # The first replica stopped (released the lease): the second takes over.
        await eventually(lambda: _ran_on(two), timeout=10)
    assert not _overlap(probe.leased_runs)
