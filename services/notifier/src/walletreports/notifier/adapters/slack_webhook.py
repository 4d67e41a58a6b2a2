"""A Slack incoming webhook over httpx: a 2xx is sent; a 4xx is refused for good (a
revoked webhook, a bad payload); 429 waits its Retry-After; a 5xx, a timeout or no
connection is tried again (a staff alert twice is better than none).

Its readiness probe can only say the webhook's host is there: it resolves and takes a
TCP connection (and a TLS handshake, for https). An incoming webhook has no call that
does not post to the channel (a GET, an empty POST: Slack answers those with errors
that say nothing about the webhook), so a revoked or deleted webhook shows on a send
(`failed`, Slack's 4xx), never here."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from ..service_layer.ports import NotSent, RetryLater

TIMEOUT_SECONDS = 10.0
# Readiness checks must answer within the kit's 2 s.
PROBE_TIMEOUT_SECONDS = 1.5


class SlackWebhook:
    def __init__(self, url: str, *, timeout_seconds: float = TIMEOUT_SECONDS) -> None:
        self.url = url
        self.client = httpx.AsyncClient(timeout=timeout_seconds)

    async def send(self, payload: Mapping[str, Any]) -> str:
        try:
            response = await self.client.post(self.url, json=dict(payload))
        except httpx.HTTPError as error:
            raise NotSent(f"not sent: {type(error).__name__}: {error}", permanent=False) from None
        answer = f"{response.status_code} {response.text[:200]}"
        if response.status_code == 429:
            try:
                seconds = float(response.headers.get("Retry-After", "1"))
            except ValueError:
                seconds = 1.0
            raise RetryLater(f"rate limited: {answer}", retry_after_seconds=seconds)
        if response.status_code >= 500:
            raise NotSent(f"slack answered {answer}", permanent=False)
        if response.status_code >= 400:
            raise NotSent(f"slack refused it: {answer}", permanent=True)
        return answer

    async def probe(self) -> str:
        """`ok` when the webhook's host takes a connection (TCP, and TLS for https)."""
        parts = urlsplit(self.url)
        host = parts.hostname or ""
        https = parts.scheme == "https"
        port = parts.port or (443 if https else 80)
        try:
            _, writer = await asyncio.wait_for(
                asyncio.open_connection(
                    host, port, ssl=ssl.create_default_context() if https else None
                ),
                PROBE_TIMEOUT_SECONDS,
            )
        except (OSError, TimeoutError) as error:  # ssl.SSLError is an OSError
            # The host and port only: the URL's path is the webhook's secret.
            return f"unreachable: {host}:{port}: {type(error).__name__}"
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass  # closed from the other side meanwhile: it was reachable all the same
        return "ok"

    async def close(self) -> None:
        await self.client.aclose()
