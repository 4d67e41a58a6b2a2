"""A lease: a background task that runs on exactly one replica at a time.

Why NATS KV and not a PostgreSQL advisory lock: a session lock is tied to one
connection, and when that connection dies (network, failover, a pooler) the server
frees the lock at once while the holder, which has not used the connection since,
keeps working: two replicas run at once. It also pins a pooled connection forever and
does not survive transaction pooling. A lease with a TTL turns this around: the holder
knows the latest moment its claim can lapse and stops before it. Every replica talks
to NATS already, and the lease is a small KV bucket anyone can look at (`nats kv`).

How it works:

- One KV bucket per lease and event namespace (`WR_LEASE_PAYMENTS_WATCHER`, stream
  `KV_WR_LEASE_PAYMENTS_WATCHER`) whose max_age is the TTL, so every entry ages out one
  TTL after it was written. (A TTL per message would need NATS 2.11; this works on 2.9.)
- Take: `create` the key, refused while an entry is there. Waiting replicas try every
  TTL/5; `create` also succeeds over a deleted or purged key.
- Keep: `update(key, last=revision)` every TTL/3. It succeeds only while our entry is
  still the latest one: it never aged out and nobody else wrote since.
- Never both: the server stamps an entry no earlier than the moment we started writing
  it, so it lives at least until then + TTL. The holder stops its work a margin (TTL/5)
  before that, counted from the start of its last successful write, whether a renewal
  failed, hangs or just answers late. Another replica can only take the key after our
  entry aged out (or we deleted it), which is after our deadline.
- Hand-over: a clean stop waits for the work to end, then deletes the key (only if the
  entry is still ours: `delete(last=revision)`), so a waiting replica takes it within
  TTL/5. A killed holder's entry ages out within the TTL (the server may expire it a
  little late, never early), so the wait is about TTL + TTL/5 at most.

Limits: the margin is what the work has to wind down after it is cancelled, and what
the event loop may be late; a process frozen for longer (SIGSTOP, swapping) can overrun
it, as with any lease. Work can check `lease.held` (false once the deadline passed)
right before each effect, and effects that must never happen twice should be
idempotent as well. The TTL runs on the server's clock: a slow drift is covered by the
margin, a step forward of that clock is not.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import secrets
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import cast

import nats.errors
from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig, StorageType, StreamsListIterator
from nats.js.errors import BadRequestError, KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue
from prometheus_client import Gauge

from walletreports.contracts import stream_name

log = logging.getLogger(__name__)

HELD = Gauge("lease_held", "1 while this replica holds the lease", ["lease"])

# Fractions of the TTL.
RENEW_EVERY = 1 / 3  # leaves a renewal until the deadline (4/5) to get through: several tries
SAFETY_MARGIN = 1 / 5  # the work stops this long before our entry could age out
POLL_EVERY = 1 / 5  # how often a waiting replica tries to take the lease
RETRY_EVERY = 1 / 10  # how often a failed renewal is tried again, up to the deadline

RELEASE_TIMEOUT = 2.0  # a stop does not wait longer on NATS: the entry ages out anyway
KEY = "holder"
LEASE = "lease"  # the bucket's middle name: <NAMESPACE>_LEASE_<NAME>
STREAM_EXISTS_OTHERWISE = 10058  # JetStream: stream name in use with another config

_NAME = re.compile(r"^[A-Za-z0-9_-]+$")

# NATS away, slow or refusing: not a bug, the lease waits and tries again.
_UNREACHABLE = (nats.errors.Error, OSError)  # OSError covers asyncio's TimeoutError


class LeaseBucketError(RuntimeError):
    """The lease's bucket cannot hold a lease (it has no TTL): a deployment mistake."""


def lease_bucket(namespace: str, name: str) -> str:
    """The KV bucket of one lease, e.g. WR_LEASE_PAYMENTS_WATCHER (named like the streams)."""
    return stream_name(namespace, f"{LEASE}-{name}")


async def delete_lease_buckets(js: JetStreamContext, namespace: str) -> None:
    """Remove every lease bucket of a namespace (a test's, say); absent already is fine."""
    prefix = f"KV_{stream_name(namespace, LEASE)}_"
    names: list[str] = []
    offset = 0
    while True:
        # Annotated as a plain Iterable by nats-py; it is a StreamsListIterator (.total).
        page = cast(StreamsListIterator, await js.streams_info_iterator(offset))
        infos = list(page)
        names += [name for info in infos if (name := info.config.name) and name.startswith(prefix)]
        offset += len(infos)
        if not infos or offset >= page.total:
            break
    for name in names:
        try:
            await js.delete_stream(name)
        except nats.errors.Error:
            pass  # deleted meanwhile (another cleanup): fine


def default_holder() -> str:
    """Who holds the lease, in logs and in the entry: host, process, and a random part
    so two leases in one process (or a recycled pid) never pass for each other."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


@dataclass(frozen=True)
class _Bucket:
    kv: KeyValue
    ttl: float  # the bucket's own max_age: what the server enforces, whatever we asked for


@dataclass
class _Term:
    """One stretch of holding the lease."""

    bucket: _Bucket
    revision: int  # of our latest entry: the next renewal must find it still the latest
    written: float  # when our latest successful write started (our clock)

    @property
    def deadline(self) -> float:
        """The work must be stopped by then: the entry lives at least `ttl` past `written`."""
        return self.written + self.bucket.ttl * (1 - SAFETY_MARGIN)

    @property
    def renew_at(self) -> float:
        return self.written + self.bucket.ttl * RENEW_EVERY


class Lease:
    """Runs a task on one replica at a time, e.g. in a service's background task:

    lease = Lease(jetstream, settings.event_namespace, "payments-watcher",
                  replicas=settings.stream_replicas)
    await lease.run_exclusively(watch)
    """

    def __init__(
        self,
        jetstream: Callable[[], JetStreamContext | None],
        namespace: str,
        name: str,
        *,
        holder: str | None = None,
        ttl: float = 10.0,
        replicas: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`jetstream` returns None while NATS is not connected; `replicas` is the bucket's
        (STREAM_REPLICAS: 3 on a cluster, so a lease outlives one NATS node); `clock` is
        monotonic seconds, for tests."""
        if not _NAME.match(name):
            raise ValueError(f"lease name {name!r}: letters, digits, '-' and '_' only")
        if ttl <= 0:
            raise ValueError("a lease needs a positive ttl")
        self.name = name
        self.holder = holder or default_holder()
        self.ttl = ttl
        self.replicas = replicas
        self.bucket_name = lease_bucket(namespace, name)
        self._jetstream = jetstream
        self._clock = clock
        self._bucket: _Bucket | None = None
        self._bound_to: JetStreamContext | None = None
        self._term: _Term | None = None
        self._running = False

    @property
    def held(self) -> bool:
        """True while this replica holds the lease and its deadline has not passed: work
        may check it right before an effect."""
        term = self._term
        return term is not None and self._clock() < term.deadline

    async def run_exclusively(self, work: Callable[[], Awaitable[None]]) -> None:
        """Run `work` whenever this replica holds the lease, forever.

        Waits for the lease, runs `work` while it is held and cancels it when it is lost
        (then waits again). When `work` returns, the lease is released and this returns;
        when it raises, the lease is released and the error raised, for the caller's
        supervisor to restart. Cancelling this cancels the work, then releases the lease.
        """
        if self._running:
            raise RuntimeError(f"lease {self.name} is already running")
        self._running = True
        try:
            while True:
                term = await self._take()
                if await self._hold(work, term):
                    return
        finally:
            self._running = False

    async def _take(self) -> _Term:
        said_waiting = complained = False
        while True:
            js = self._jetstream()
            if js is not None:
                try:
                    bucket = await self._bind(js)
                    started = self._clock()
                    created = bucket.kv.create(KEY, self.holder.encode())
                    revision = await asyncio.wait_for(created, bucket.ttl)
                except (KeyWrongLastSequenceError, KeyNotFoundError):
                    # Held elsewhere (KeyNotFound: its entry aged out while `create` looked).
                    if not said_waiting:
                        said_waiting = True
                        log.info(
                            "lease %s: %s waits; held by %s",
                            self.name,
                            self.holder,
                            await self._holder_now(),
                        )
                except _UNREACHABLE as exc:
                    self._bucket = None  # bind again next time: the bucket may have gone
                    if not complained:
                        complained = True
                        log.warning(
                            "lease %s: cannot reach it yet (%s: %s); trying again",
                            self.name,
                            type(exc).__name__,
                            exc,
                        )
                else:
                    term = _Term(bucket, revision, written=started)
                    self._set_term(term)
                    log.info("lease %s taken by %s (ttl %.1fs)", self.name, self.holder, bucket.ttl)
                    return term
            await asyncio.sleep((self._bucket.ttl if self._bucket else self.ttl) * POLL_EVERY)

    async def _bind(self, js: JetStreamContext) -> _Bucket:
        if self._bucket is not None and self._bound_to is js:
            return self._bucket
        # On disk (and R3 on a cluster): a NATS restart must not forget who holds the lease.
        config = KeyValueConfig(
            bucket=self.bucket_name,
            ttl=self.ttl,
            history=1,
            storage=StorageType.FILE,
            replicas=self.replicas,
        )
        try:
            kv = await js.create_key_value(config)  # idempotent for the same config
            ttl = self.ttl
        except BadRequestError as exc:
            if exc.err_code != STREAM_EXISTS_OTHERWISE:
                raise
            # Made with another config (another TTL, by an older release, say): the
            # server enforces the bucket's TTL, so our timings follow it.
            kv = await js.key_value(self.bucket_name)
            ttl = (await kv.status()).ttl or 0.0
            if ttl <= 0:
                raise LeaseBucketError(
                    f"bucket {self.bucket_name} has no TTL: a lost holder would never be replaced"
                ) from exc
            if ttl != self.ttl:
                log.warning(
                    "lease %s: its bucket's ttl is %.1fs, not %.1fs; using the bucket's",
                    self.name,
                    ttl,
                    self.ttl,
                )
        self._bucket, self._bound_to = _Bucket(kv, ttl), js
        return self._bucket

    async def _holder_now(self) -> str:
        """Who holds it, for a log line; best effort."""
        try:
            assert self._bucket is not None
            entry = await asyncio.wait_for(self._bucket.kv.get(KEY), self._bucket.ttl)
            return (entry.value or b"").decode(errors="replace")
        except Exception:  # noqa: BLE001 - only a log line
            return "another replica"

    async def _hold(self, work: Callable[[], Awaitable[None]], term: _Term) -> bool:
        """Run `work` under the lease: True when it returned, False when the lease was lost;
        raises what `work` raised."""
        worker = asyncio.create_task(_call(work), name=f"lease-{self.name}-work")
        keeper = asyncio.create_task(self._keep(term), name=f"lease-{self.name}-keeper")
        try:
            await asyncio.wait({worker, keeper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            lost = await self._wind_down(worker, keeper, term)
        if lost:
            return False
        worker.result()  # the work's own error, for the caller's supervisor
        return True

    async def _keep(self, term: _Term) -> None:
        """Renew the lease; return once it is lost, at its deadline at the latest."""
        ttl = term.bucket.ttl
        renew_at = term.renew_at
        while True:
            await asyncio.sleep(max(0.0, min(renew_at, term.deadline) - self._clock()))
            started = self._clock()
            if started >= term.deadline:
                return  # renewals failed or came late: stop before our entry could age out
            js = self._jetstream()
            if js is None:  # NATS away: try again shortly, until the deadline
                renew_at = started + ttl * RETRY_EVERY
                continue
            try:
                revision = await asyncio.wait_for(
                    term.bucket.kv.update(KEY, self.holder.encode(), last=term.revision),
                    term.deadline - started,
                )
            except KeyWrongLastSequenceError:
                log.warning("lease %s: %s's entry is gone or replaced", self.name, self.holder)
                return
            except _UNREACHABLE as exc:
                log.warning(
                    "lease %s: renewal failed (%s: %s); %.1fs left",
                    self.name,
                    type(exc).__name__,
                    exc,
                    term.deadline - self._clock(),
                )
                renew_at = self._clock() + ttl * RETRY_EVERY
                continue
            term.revision = revision  # so a release deletes our newest entry
            if self._clock() >= term.deadline:
                return  # it answered, but after the work was due to stop
            term.written = started
            renew_at = term.renew_at

    async def _wind_down(
        self, worker: asyncio.Task[None], keeper: asyncio.Task[None], term: _Term
    ) -> bool:
        """Stop the work, then the keeper (which renews while the work winds down, if it
        can), then hand the lease over. True when the lease had been lost."""
        lost = keeper.done()
        if lost:
            self._set_term(None)
            log.warning("lease %s lost by %s: stopping its work", self.name, self.holder)
        try:
            worker.cancel()
            grace = term.bucket.ttl * SAFETY_MARGIN
            done, _ = await asyncio.wait({worker}, timeout=grace)
            if not done:
                log.error(
                    "lease %s: work still running %.1fs after it was told to stop", self.name, grace
                )
                await asyncio.wait({worker})
            error = None if worker.cancelled() else worker.exception()
            if lost and error is not None:
                log.warning(
                    "lease %s: work ended with %s: %s as the lease was lost",
                    self.name,
                    type(error).__name__,
                    error,
                )
        finally:
            keeper.cancel()
        await asyncio.wait({keeper})
        await self._release(term, quietly=lost)
        return lost

    async def _release(self, term: _Term, *, quietly: bool) -> None:
        """Delete our entry, so a waiting replica need not wait for it to age out. Only
        ours: if it aged out and another replica took the lease, its entry stays."""
        self._set_term(None)
        js = self._jetstream()
        try:
            if js is None:
                raise nats.errors.ConnectionClosedError
            await asyncio.wait_for(term.bucket.kv.delete(KEY, last=term.revision), RELEASE_TIMEOUT)
        except _UNREACHABLE as exc:
            if not quietly:
                log.warning(
                    "lease %s: %s could not release it (%s); it ages out within %.1fs",
                    self.name,
                    self.holder,
                    type(exc).__name__,
                    term.bucket.ttl,
                )
            return
        log.info("lease %s released by %s", self.name, self.holder)

    def _set_term(self, term: _Term | None) -> None:
        self._term = term
        HELD.labels(self.name).set(1 if term is not None else 0)


async def _call(work: Callable[[], Awaitable[None]]) -> None:
    await work()
