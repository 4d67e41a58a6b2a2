"""A Slack incoming webhook over httpx: a 2xx is sent; a 4xx is refused for good (a
revoked webhook, a bad payload); 429 waits its Retry-After; a 5xx, a timeout or no
connection is tried again (a staff alert twice is better than none)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from ..service_layer.ports import NotSent, RetryLater

TIMEOUT_SECONDS = 10.0


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

    async def close(self) -> None:
        await self.client.aclose()
