"""One kind of timeout out of nats-py's pull fetch.

`PullSubscription.fetch` raises `nats.errors.TimeoutError` when no message came,
except on two paths of its batch fetch (the time left ran out between its no-wait
probe and its waiting request) where it raises a plain `asyncio.TimeoutError`.
FastStream's batch pull loop catches only the first kind: the plain one ends the loop
(its supervisor restarts it) and the messages it had fetched so far wait out the
ack wait before JetStream sends them again. Both kinds mean "nothing more came in
time", so fetch raises the nats kind for both.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import Any

import nats.errors
from nats.js.client import JetStreamContext

_MARK = "_walletreports_one_timeout_kind"


def one_timeout_kind_from_fetch() -> None:
    """Idempotent; applied when a service binds its consumers."""
    cls = JetStreamContext.PullSubscription
    if getattr(cls.fetch, _MARK, False):
        return
    cls.fetch = with_one_timeout_kind(cls.fetch)  # type: ignore[method-assign]


def with_one_timeout_kind(fetch: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(fetch)
    async def fetch_raising_nats_timeouts(*args: Any, **kwargs: Any) -> Any:
        try:
            return await fetch(*args, **kwargs)
        except nats.errors.TimeoutError:
            raise
        except asyncio.TimeoutError as exc:
            raise nats.errors.TimeoutError from exc

    setattr(fetch_raising_nats_timeouts, _MARK, True)
    return fetch_raising_nats_timeouts
