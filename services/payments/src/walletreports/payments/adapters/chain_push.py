"""Push from the node: a websocket `logsSubscribe` per receiving account wakes the chain
watcher as soon as a transaction that mentions one of them is confirmed.

The watcher's polling (`getSignaturesForAddress`) stays the only source of truth; a
notification carries nothing the watcher trusts, it only calls `wake()` so the next poll
happens now instead of at the end of the interval. A lost, late, duplicated or forged
notification therefore costs at most one poll's delay or one extra poll, never a wrong
invoice, which is why this listener never gives up and never crashes on what it reads.

A node takes one address per `mentions` filter, so there is one subscription per account.
While disconnected the listener retries with exponential back-off (0.5 s doubling to
30 s, back to 0.5 s once a connection has subscribed to every account), and after each
(re)subscribe it calls `wake()` once: something may have landed while it was away.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Sequence, Set
from typing import Any, TypeGuard

from prometheus_client import Gauge
from solders.pubkey import Pubkey
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidURI, WebSocketException
from websockets.uri import parse_uri

__all__ = ["FIRST_RETRY_DELAY", "MAX_RETRY_DELAY", "MentionsListener", "ReconnectDelay"]

log = logging.getLogger(__name__)

CONNECTED = Gauge(
    "payments_chain_push_connected",
    "1 while the chain push listener is subscribed to every receiving account",
)

FIRST_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 30.0
# Nothing is owed to the node on the way out (it drops the subscriptions with the
# connection), so a node that does not answer the close handshake is not waited for long.
CLOSE_TIMEOUT = 2.0
COMMITMENT = "confirmed"
# How much of an unexpected message goes into a log line (enough to recognise it).
_SNIPPET = 200


class ReconnectDelay:
    """Exponential back-off: `first` seconds, doubling up to `maximum`, until `reset`."""

    def __init__(self, first: float = FIRST_RETRY_DELAY, maximum: float = MAX_RETRY_DELAY) -> None:
        self._first = first
        self._maximum = maximum
        self._next = first

    def next(self) -> float:
        delay = self._next
        self._next = min(self._next * 2, self._maximum)
        return delay

    def reset(self) -> None:
        self._next = self._first


class _SubscribeRefused(Exception):
    """The node answered a logsSubscribe with an error; retried like a lost connection."""


class MentionsListener:
    """Subscribes on `ws_url` to the logs of every transaction that mentions one of
    `accounts` (at commitment confirmed) and calls `wake` on each notification.

    `open_timeout` bounds connecting and subscribing; a connection that answers no
    keepalive ping within `ping_timeout` (one is sent every `ping_interval` seconds) is
    taken as lost, so a silent partition is noticed too."""

    def __init__(
        self,
        *,
        ws_url: str,
        accounts: Sequence[str],
        wake: Callable[[], None],
        open_timeout: float = 10.0,
        ping_interval: float = 20.0,
        ping_timeout: float = 20.0,
    ) -> None:
        try:
            parse_uri(ws_url)
        except InvalidURI as error:
            raise ValueError(f"not a websocket URL: {ws_url!r} ({error})") from error
        if not accounts:
            raise ValueError("a mentions listener needs at least one account")
        for account in accounts:
            try:
                Pubkey.from_string(account)
            except ValueError as error:
                raise ValueError(f"{account!r} is not an account address ({error})") from error
        self._ws_url = ws_url
        self._accounts = tuple(dict.fromkeys(accounts))  # each once, in the order given
        self._wake = wake
        self._open_timeout = open_timeout
        self._ping_interval = ping_interval
        self._ping_timeout = ping_timeout
        self._connected = False

    @property
    def connected(self) -> bool:
        """True while subscribed to every account."""
        return self._connected

    async def run(self) -> None:
        """Listen until cancelled, reconnecting after every failure or close."""
        delay = ReconnectDelay()
        try:
            while True:
                try:
                    await self._session(delay)
                    problem = "the node closed the connection"
                except (OSError, TimeoutError, WebSocketException, _SubscribeRefused) as error:
                    problem = f"{type(error).__name__}: {error}"
                except Exception as error:
                    # A bug here must not end the push for the life of the process: the
                    # watcher still polls, and the log says what went wrong.
                    log.exception("chain push listener failed")
                    problem = f"{type(error).__name__}: {error}"
                self._set_connected(False)
                pause = delay.next()
                log.warning("chain push not connected (%s); retrying in %.1fs", problem, pause)
                await asyncio.sleep(pause)
        finally:
            self._set_connected(False)

    async def _session(self, delay: ReconnectDelay) -> None:
        """One connection: subscribe to every account, then wake on each notification
        until the connection ends (returns on a clean close, raises otherwise)."""
        async with connect(
            self._ws_url,
            open_timeout=self._open_timeout,
            ping_interval=self._ping_interval,
            ping_timeout=self._ping_timeout,
            close_timeout=CLOSE_TIMEOUT,
        ) as websocket:
            async with asyncio.timeout(self._open_timeout):
                subscriptions = await self._subscribe(websocket)
            self._set_connected(True)
            delay.reset()
            log.info("chain push subscribed to %d accounts", len(subscriptions))
            self._call_wake()  # something may have landed while we were away
            async for message in websocket:
                self._on_message(message, subscriptions)

    async def _subscribe(self, websocket: ClientConnection) -> frozenset[int]:
        """Send every logsSubscribe at once and collect the subscription ids; a
        notification for one already confirmed wakes the watcher as usual."""
        pending: dict[int, str] = {}
        for request_id, account in enumerate(self._accounts, start=1):
            await websocket.send(json.dumps(_subscribe_request(request_id, account)))
            pending[request_id] = account
        subscriptions: set[int] = set()
        while pending:
            message = _decode(await websocket.recv())
            if message is None:
                continue
            answered = message.get("id")
            if _is_int(answered) and answered in pending:
                account = pending.pop(answered)
                subscription = message.get("result")
                if not _is_int(subscription):
                    raise _SubscribeRefused(
                        f"logsSubscribe for {account} was answered {_snippet(json.dumps(message))}"
                    )
                subscriptions.add(subscription)
            else:
                self._on_decoded(message, subscriptions)
        return frozenset(subscriptions)

    def _on_message(self, raw: str | bytes, subscriptions: frozenset[int]) -> None:
        message = _decode(raw)
        if message is not None:
            self._on_decoded(message, subscriptions)

    def _on_decoded(self, message: dict[str, Any], subscriptions: Set[int]) -> None:
        params = message.get("params")
        if (
            message.get("method") == "logsNotification"
            and isinstance(params, dict)
            and _is_int(params.get("subscription"))
            and params["subscription"] in subscriptions
            and isinstance(params.get("result"), dict)
        ):
            self._call_wake()
            return
        log.warning(
            "chain push ignored a message that is not a logs notification of its own: %s",
            _snippet(json.dumps(message)),
        )

    def _call_wake(self) -> None:
        try:
            self._wake()
        except Exception:
            # The watcher's wake is its business; a failing one must not end the push.
            log.exception("chain push: wake() failed")

    def _set_connected(self, connected: bool) -> None:
        self._connected = connected
        CONNECTED.set(1 if connected else 0)


def _subscribe_request(request_id: int, account: str) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": "logsSubscribe",
        "params": [{"mentions": [account]}, {"commitment": COMMITMENT}],
    }


def _decode(raw: str | bytes) -> dict[str, Any] | None:
    """A JSON object from the node, or None (logged) for anything else."""
    try:
        message = json.loads(raw)
    except ValueError:  # JSONDecodeError, or bytes that are not UTF-8
        log.warning("chain push ignored a message that is not JSON: %r", raw[:_SNIPPET])
        return None
    if not isinstance(message, dict):
        log.warning("chain push ignored a message that is not an object: %r", raw[:_SNIPPET])
        return None
    return message


def _is_int(value: object) -> TypeGuard[int]:
    # bool is an int subclass; JSON true is no id.
    return isinstance(value, int) and not isinstance(value, bool)


def _snippet(text: str) -> str:
    return text if len(text) <= _SNIPPET else f"{text[:_SNIPPET]}…"
