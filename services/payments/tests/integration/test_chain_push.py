"""`MentionsListener` against the localnet's PubSub websocket, the way the chain watcher
runs it: a confirmed payment that mentions a watched account wakes it, one that does not
mention it does not, and when the websocket goes away (cut, or silently frozen) and comes
back the listener reconnects, resubscribes and wakes once for what it may have missed.

What the localnet never sends (garbage, notifications of other subscriptions, a refused
subscribe) comes from a small fake PubSub server: a stand-in for a third-party node.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

import pytest
from prometheus_client import REGISTRY
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from websockets.asyncio.server import ServerConnection, serve

from walletreports.devkit.processes import free_port
from walletreports.devkit.testing.eventually import eventually
from walletreports.devkit.testing.tcp_proxy import TcpProxy
from walletreports.localnet.testing import Localnet, running_localnet
from walletreports.payments.adapters.chain_push import (
    FIRST_RETRY_DELAY,
    MAX_RETRY_DELAY,
    MentionsListener,
    ReconnectDelay,
)
from walletreports.payments.domain import Currency, build_transfer_request_url
from walletreports.payments.domain.money import LAMPORTS_PER_SOL

# What a connection has long delivered by the time a later message on it has: a wrong
# wake for an earlier payment would show within this after the right one (only a guard
# against a slow runner, not a timing claim).
SETTLE = 0.3


@pytest.fixture(scope="module")
async def net() -> AsyncIterator[Localnet]:
    async with running_localnet() as running:
        yield running


class Wakes:
    """A `wake` for the listener that counts its calls (and may fail, as a buggy one)."""

    def __init__(self, *, fail: bool = False) -> None:
        self.count = 0
        self.fail = fail

    def __call__(self) -> None:
        self.count += 1
        if self.fail:
            raise RuntimeError("the watcher's wake is broken")


async def until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    async def probe() -> bool:
        return condition()

    await eventually(probe, timeout=timeout)


def gauge() -> float | None:
    return REGISTRY.get_sample_value("payments_chain_push_connected")


@contextlib.asynccontextmanager
async def listening(
    ws_url: str, accounts: Sequence[Pubkey | str], *, wakes: Wakes | None = None, **options: float
) -> AsyncIterator[tuple[MentionsListener, Wakes]]:
    """A listener running in a task for the block; cancelled on the way out."""
    wakes = wakes or Wakes()
    listener = MentionsListener(
        ws_url=ws_url, accounts=[str(a) for a in accounts], wake=wakes, **options
    )
    task = asyncio.create_task(listener.run())
    try:
        yield listener, wakes
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=10)
        assert not listener.connected
        assert gauge() == 0


async def subscribed(listener: MentionsListener, wakes: Wakes, wake_count: int = 1) -> None:
    """Until the listener is subscribed and has woken the watcher `wake_count` times."""
    await until(lambda: listener.connected and wakes.count >= wake_count)


async def woken(wakes: Wakes, count: int) -> None:
    """Until the watcher has been woken exactly `count` times."""
    await until(lambda: wakes.count == count)


async def pay_sol(net: Localnet, recipient: Pubkey) -> str:
    url = build_transfer_request_url(
        recipient=recipient,
        currency=Currency.SOL,
        amount_base_units=LAMPORTS_PER_SOL // 100,
        references=[Keypair().pubkey()],
    )
    [signature] = await net.pay(url)
    return signature


# --- against the localnet ---------------------------------------------------------------


async def test_a_confirmed_payment_that_mentions_the_account_wakes_one_that_does_not_does_not(
    net: Localnet,
) -> None:
    watched, elsewhere = Keypair().pubkey(), Keypair().pubkey()
    async with listening(net.ws_url, [watched]) as (listener, wakes):
        await subscribed(listener, wakes)
        assert wakes.count == 1  # once after subscribing: something may have landed before
        assert gauge() == 1

        # Both land in one slot and confirm together; the node notifies in ledger order,
        # so a wake for `elsewhere` would reach the listener before the one for `watched`.
        await pay_sol(net, elsewhere)
        await pay_sol(net, watched)
        await net.advance_slots(1)
        await until(lambda: wakes.count >= 2)
        await asyncio.sleep(SETTLE)
        assert wakes.count == 2


async def test_each_watched_account_has_its_own_subscription(net: Localnet) -> None:
    # A node takes one address per mentions filter; three accounts are three filters.
    accounts = [Keypair().pubkey() for _ in range(3)]
    async with listening(net.ws_url, accounts) as (listener, wakes):
        await subscribed(listener, wakes)
        for paid, account in enumerate(accounts, start=1):
            await pay_sol(net, account)
            await net.advance_slots(1)
            await woken(wakes, 1 + paid)


async def test_only_confirmed_payments_wake(net: Localnet) -> None:
    watched = Keypair().pubkey()
    async with listening(net.ws_url, [watched]) as (listener, wakes):
        await subscribed(listener, wakes)
        await pay_sol(net, watched)  # processed only
        await asyncio.sleep(SETTLE)
        assert wakes.count == 1
        await net.advance_slots(1)
        await woken(wakes, 2)


async def test_reconnects_after_the_server_goes_away_and_wakes_for_what_it_missed(
    net: Localnet,
) -> None:
    watched = Keypair().pubkey()
    proxy = await TcpProxy("127.0.0.1", urlsplit(net.ws_url).port).start()
    try:
        async with listening(f"ws://127.0.0.1:{proxy.port}", [watched]) as (listener, wakes):
            await subscribed(listener, wakes)

            await proxy.cut()
            await until(lambda: not listener.connected)
            assert gauge() == 0
            # Lands and confirms while the listener is away: no notification reaches it.
            await pay_sol(net, watched)
            await net.advance_slots(1)

            await proxy.restore()
            await subscribed(listener, wakes, wake_count=2)
            assert wakes.count == 2  # the resubscribe wake, the only word of that payment
            assert gauge() == 1

            await pay_sol(net, watched)  # the new subscription is live
            await net.advance_slots(1)
            await woken(wakes, 3)
    finally:
        await proxy.close()


async def test_a_silent_partition_is_noticed_by_keepalive_and_healed(net: Localnet) -> None:
    watched = Keypair().pubkey()
    proxy = await TcpProxy("127.0.0.1", urlsplit(net.ws_url).port).start()
    url = f"ws://127.0.0.1:{proxy.port}"
    try:
        # A ping every 0.2 s unanswered for 0.5 s is a lost connection; a handshake that
        # cannot pass the frozen proxy gives up after 1 s.
        keepalive = listening(url, [watched], ping_interval=0.2, ping_timeout=0.5, open_timeout=1)
        async with keepalive as (listener, wakes):
            await subscribed(listener, wakes)
            proxy.freeze()  # the connection stays open; no byte passes either way
            await until(lambda: not listener.connected)
            proxy.thaw()
            await subscribed(listener, wakes, wake_count=2)
            await pay_sol(net, watched)
            await net.advance_slots(1)
            await woken(wakes, 3)
    finally:
        await proxy.close()


async def test_a_failing_wake_does_not_stop_the_listener(net: Localnet) -> None:
    watched = Keypair().pubkey()
    async with listening(net.ws_url, [watched], wakes=Wakes(fail=True)) as (listener, wakes):
        await subscribed(listener, wakes)
        await pay_sol(net, watched)
        await net.advance_slots(1)
        await woken(wakes, 2)
        assert listener.connected


async def test_cancelled_while_the_node_is_down_it_ends_at_once() -> None:
    async with listening(f"ws://127.0.0.1:{free_port()}", [Keypair().pubkey()]) as (
        listener,
        wakes,
    ):
        await asyncio.sleep(FIRST_RETRY_DELAY * 2)  # a failed attempt or two, backing off
        assert not listener.connected and wakes.count == 0


# --- against a fake PubSub server ---------------------------------------------------------


class FakePubSub:
    """Answers each logsSubscribe with `answer(request)`, then sends `after` (text or
    bytes, as given) and keeps the connection open. Counts the connections made."""

    def __init__(
        self,
        after: Sequence[str | bytes] = (),
        answer: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> None:
        self.after = after
        self.answer = answer or (lambda request: {"result": 100 + request["id"]})
        self.connections = 0

    async def handle(self, websocket: ServerConnection) -> None:
        self.connections += 1
        request = json.loads(await websocket.recv())
        await websocket.send(
            json.dumps({"jsonrpc": "2.0", "id": request["id"], **self.answer(request)})
        )
        for message in self.after:
            await websocket.send(message)
        await websocket.wait_closed()


@contextlib.asynccontextmanager
async def fake_pubsub(fake: FakePubSub) -> AsyncIterator[str]:
    async with serve(fake.handle, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        yield f"ws://127.0.0.1:{port}"


def notification(subscription: object, result: object = None) -> str:
    if result is None:
        result = {"context": {"slot": 5}, "value": {"err": None, "logs": [], "signature": "x"}}
    return json.dumps(
        {
            "jsonrpc": "2.0",
            "method": "logsNotification",
            "params": {"result": result, "subscription": subscription},
        }
    )


async def test_malformed_messages_are_logged_and_ignored(caplog: pytest.LogCaptureFixture) -> None:
    garbage: list[str | bytes] = [
        "not json",
        b"\xff\xfe not utf-8",
        "[1, 2, 3]",
        notification(subscription=999),  # not ours
        notification(subscription="101"),
        notification(subscription=101, result="logs"),
        json.dumps({"jsonrpc": "2.0", "method": "slotNotification", "params": {}}),
        json.dumps({"jsonrpc": "2.0", "method": "logsNotification"}),
    ]
    fake = FakePubSub(after=[*garbage, notification(subscription=101)])
    caplog.set_level(logging.WARNING, logger="walletreports.payments.adapters.chain_push")
    async with fake_pubsub(fake) as url, listening(url, [Keypair().pubkey()]) as (listener, wakes):
        # The good notification comes last on the connection: once it has woken the
        # watcher, every message before it has been read.
        await subscribed(listener, wakes, wake_count=2)
        assert wakes.count == 2 and listener.connected and fake.connections == 1
    ignored = [r for r in caplog.records if "ignored" in r.getMessage()]
    assert len(ignored) == len(garbage)


async def test_a_refused_subscription_is_retried_with_back_off(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = FakePubSub(answer=lambda _: {"error": {"code": -32602, "message": "Invalid params"}})
    async with fake_pubsub(fake) as url, listening(url, [Keypair().pubkey()]) as (listener, wakes):
        await until(lambda: fake.connections >= 2)
        assert not listener.connected and wakes.count == 0
    assert any("Invalid params" in r.getMessage() for r in caplog.records)


# --- the parts ------------------------------------------------------------------------------


def test_reconnect_delay_doubles_to_its_ceiling_and_resets() -> None:
    delay = ReconnectDelay()
    assert [delay.next() for _ in range(9)] == [0.5, 1, 2, 4, 8, 16, 30, 30, 30]
    assert MAX_RETRY_DELAY == 30
    delay.reset()
    assert delay.next() == FIRST_RETRY_DELAY


@pytest.mark.parametrize(
    ("ws_url", "accounts", "problem"),
    [
        ("http://127.0.0.1:8900", ["11111111111111111111111111111111"], "websocket URL"),
        ("ws://127.0.0.1:8900", [], "at least one account"),
        ("ws://127.0.0.1:8900", ["not-an-address"], "not an account address"),
    ],
    ids=["not-ws", "no-accounts", "bad-account"],
)
def test_a_listener_that_could_never_subscribe_is_refused_at_once(
    ws_url: str, accounts: list[str], problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        MentionsListener(ws_url=ws_url, accounts=accounts, wake=Wakes())
