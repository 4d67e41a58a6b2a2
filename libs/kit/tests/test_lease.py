"""The lease: one replica at a time runs the work, another takes over when it dies,
and a holder that cannot renew stops before anyone else could start (real NATS)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TypeVar

import nats
import pytest
from nats.js import JetStreamContext
from nats.js.errors import BucketNotFoundError
from prometheus_client import REGISTRY

from walletreports.devkit.testing.events import host_port
from walletreports.devkit.testing.eventually import eventually
from walletreports.devkit.testing.tcp_proxy import TcpProxy
from walletreports.kit.lease import RENEW_EVERY, Lease, lease_bucket
from walletreports.kit.messaging.streams import delete_streams

TTL = 2.0
TAKE_OVER_SLACK = 2.0  # on top of the TTL and a poll interval: slow CI machines
T = TypeVar("T")
Jetstream = Callable[[], JetStreamContext | None]


@contextlib.asynccontextmanager
async def connection(url: str) -> AsyncIterator[Jetstream]:
    nc = await nats.connect(
        url, connect_timeout=2, reconnect_time_wait=0.2, max_reconnect_attempts=-1
    )
    js = nc.jetstream()
    try:
        yield lambda: js if nc.is_connected else None
    finally:
        await nc.close()


class Runs:
    """When each holder's work started and stopped (monotonic seconds)."""

    def __init__(self) -> None:
        self.started: dict[str, list[float]] = {}
        self.stopped: dict[str, list[float]] = {}
        self.running: set[str] = set()
        self.overlapped = False

    def work(self, holder: str) -> Callable[[], object]:
        async def work() -> None:
            self.overlapped |= bool(self.running)
            self.running.add(holder)
            self.started.setdefault(holder, []).append(time.monotonic())
            try:
                await asyncio.Event().wait()
            finally:
                self.running.discard(holder)
                self.stopped.setdefault(holder, []).append(time.monotonic())

        return work


async def _stop(*tasks: asyncio.Task[None]) -> None:
    for task in tasks:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def _held_gauge(name: str) -> float | None:
    return REGISTRY.get_sample_value("lease_held", {"lease": name})


async def test_of_two_leases_one_runs_the_work_and_a_clean_stop_hands_over_at_once(
    nats_url, namespace, caplog
):
    caplog.set_level("INFO", logger="walletreports.kit.lease")
    ttl = 6.0
    runs = Runs()
    async with connection(nats_url) as js_a, connection(nats_url) as js_b:
        a = Lease(js_a, namespace, "job", holder="a", ttl=ttl)
        b = Lease(js_b, namespace, "job", holder="b", ttl=ttl)
        task_a = asyncio.create_task(a.run_exclusively(runs.work("a")))
        await until(lambda: runs.running == {"a"})
        task_b = asyncio.create_task(b.run_exclusively(runs.work("b")))
        await asyncio.sleep(ttl / 2)  # b is refused a few times, a renews
        assert runs.running == {"a"} and a.held and not b.held
        assert _held_gauge("job") == 1

        stopped_at = time.monotonic()
        await _stop(task_a)
        assert not a.held and "lease job released by a" in caplog.text
        await until(lambda: runs.running == {"b"}, timeout=ttl)
        # Sooner than a's entry could have aged out (at least 2/3 TTL after its last renewal).
        assert runs.started["b"][0] - stopped_at < ttl * (1 - RENEW_EVERY)
        assert b.held and _held_gauge("job") == 1
        await _stop(task_b)
    assert not runs.overlapped
    assert _held_gauge("job") == 0


async def test_work_that_ends_gives_the_lease_back_and_its_error_reaches_the_caller(
    nats_url, namespace
):
    async with connection(nats_url) as js:
        first = Lease(js, namespace, "job", holder="first", ttl=5.0)

        async def fails() -> None:
            raise ValueError("boom")

        with pytest.raises(ValueError, match="boom"):
            await first.run_exclusively(fails)
        assert not first.held

        second = Lease(js, namespace, "job", holder="second", ttl=5.0)
        seen: list[bool] = []

        async def returns() -> None:
            seen.append(second.held)

        # Well within the TTL: the first one deleted its entry, it did not leave it to age out.
        await asyncio.wait_for(second.run_exclusively(returns), 2.0)
        assert seen == [True] and not second.held


def _beats(path: Path) -> list[tuple[int, str]]:
    """(monotonic ns, holder) of every heartbeat, in time order."""
    if not path.exists():
        return []
    beats = []
    for line in path.read_text().splitlines():
        holder, monotonic_ns, _wall_ns = line.split()
        beats.append((int(monotonic_ns), holder))
    return sorted(beats)


def _turns(beats: list[tuple[int, str]]) -> list[str]:
    """The holders in time order, one entry per unbroken run of beats: two replicas
    running at once interleave their beats, so a holder would appear more than once."""
    turns: list[str] = []
    for _, holder in beats:
        if not turns or turns[-1] != holder:
            turns.append(holder)
    return turns


async def _replica(
    nats_url: str, namespace: str, holder: str, beats: Path, logs: Path
) -> asyncio.subprocess.Process:
    with open(logs / f"{holder}.log", "wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "walletreports.devkit.testing.lease_replica",
            nats_url,
            namespace,
            "watcher",
            holder,
            str(TTL),
            str(beats),
            stdout=asyncio.subprocess.PIPE,
            stderr=log,
        )
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 30)
    assert line == b"ready\n", (logs / f"{holder}.log").read_text()
    return process


async def _end(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGCONT)
            process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()


@pytest.mark.parametrize("fault", ["kill", "freeze"])
async def test_a_replica_that_dies_is_replaced_within_the_ttl_and_the_two_never_run_at_once(
    nats_url, namespace, tmp_path, fault
):
    beats = tmp_path / "beats"
    first = None
    replicas: dict[str, asyncio.subprocess.Process] = {}
    try:
        for holder in ("a", "b"):
            replicas[holder] = await _replica(nats_url, namespace, holder, beats, tmp_path)
        first = (await until(lambda: _turns(_beats(beats))))[0]
        second = "b" if first == "a" else "a"
        await asyncio.sleep(1.0)  # the second one is refused a few times meanwhile
        # kill -9, or SIGSTOP for longer than the TTL: a holder that cannot even notice.
        failed_at = time.monotonic_ns()
        replicas[first].send_signal(signal.SIGKILL if fault == "kill" else signal.SIGSTOP)

        await until(lambda: second in _turns(_beats(beats)), timeout=TTL + 10)
        taken_at = next(at for at, holder in _beats(beats) if holder == second)
        if fault == "freeze":
            replicas[first].send_signal(signal.SIGCONT)  # it wakes long past its deadline
        await asyncio.sleep(1.0)  # time for it to beat, if it (wrongly) would
    finally:
        # The one that lost first, so it cannot take the lease when the other lets go.
        for holder in sorted(replicas, key=lambda h: h != first):
            await _end(replicas[holder])

    logs = "\n".join((tmp_path / f"{h}.log").read_text() for h in replicas)
    assert _turns(_beats(beats)) == [first, second], logs
    # TTL for the entry to age out, a poll interval (TTL/5) for the other to try again.
    assert (taken_at - failed_at) / 1e9 <= TTL + TTL / 5 + TAKE_OVER_SLACK, logs


@pytest.mark.parametrize("fault", ["cut", "freeze"])
async def test_a_holder_that_cannot_renew_stops_before_its_entry_can_age_out(
    nats_url, namespace, fault
):
    proxy = await TcpProxy(*host_port(nats_url)).start()
    runs = Runs()
    try:
        async with (
            connection(f"nats://127.0.0.1:{proxy.port}") as via_proxy,
            connection(nats_url) as direct,
        ):
            holder = Lease(via_proxy, namespace, "watcher", holder="cut-off", ttl=TTL)
            contender = Lease(direct, namespace, "watcher", holder="contender", ttl=TTL)
            holding = asyncio.create_task(holder.run_exclusively(runs.work("cut-off")))
            await until(lambda: runs.running == {"cut-off"})
            contending = asyncio.create_task(contender.run_exclusively(runs.work("contender")))
            await asyncio.sleep(TTL / 2)  # a renewal goes through

            failed_at = time.monotonic()
            if fault == "cut":
                await proxy.cut()
            else:
                proxy.freeze()
            await until(lambda: "contender" in runs.started, timeout=TTL + 10)
            await proxy.cut()  # a frozen connection would hold up the holder's stop
            await _stop(holding, contending)
    finally:
        await proxy.close()

    stopped, took_over = runs.stopped["cut-off"][0], runs.started["contender"][0]
    assert stopped < took_over and not runs.overlapped
    assert stopped - failed_at < TTL  # its last renewal was before the fault
    assert took_over - failed_at <= TTL + TTL / 5 + TAKE_OVER_SLACK


async def test_a_holder_whose_clock_passed_the_deadline_stops_at_once(nats_url, namespace):
    """A stalled holder (its event loop late, say): as soon as it sees the deadline
    passed it no longer counts as holding, and its work is cancelled."""
    skew = [0.0]
    runs = Runs()
    async with connection(nats_url) as js:
        lease = Lease(
            js, namespace, "job", holder="late", ttl=TTL, clock=lambda: time.monotonic() + skew[0]
        )
        task = asyncio.create_task(lease.run_exclusively(runs.work("late")))
        await until(lambda: runs.running == {"late"})
        skew[0] = TTL
        assert not lease.held
        await until(lambda: "late" in runs.stopped, timeout=TTL)
        await _stop(task)


async def test_the_namespace_cleanup_removes_its_lease_buckets_and_no_others(nats_url, namespace):
    neighbour = f"{namespace}x"
    async with connection(nats_url) as js:
        for ns in (namespace, neighbour):
            lease = Lease(js, ns, "job", ttl=TTL)

            async def once() -> None:
                pass

            await lease.run_exclusively(once)
        context = js()
        assert context is not None
        await delete_streams(context, namespace)
        with pytest.raises(BucketNotFoundError):
            await context.key_value(lease_bucket(namespace, "job"))
        await context.key_value(lease_bucket(neighbour, "job"))
        await delete_streams(context, neighbour)
        with pytest.raises(BucketNotFoundError):
            await context.key_value(lease_bucket(neighbour, "job"))


async def until(predicate: Callable[[], T], timeout: float = 15.0) -> T:
    """The first truthy value of a plain (not async) predicate."""

    async def probe() -> T:
        return predicate()

    return await eventually(probe, timeout=timeout)
