"""The Bot API calls other than sendMessage (adapters.telegram_bot sends), over httpx:
getUpdates (long polling), getMe (readiness), and setWebhook / deleteWebhook /
getWebhookInfo (the poller at start, the `telegram webhook` command).

Telegram answers every call with an envelope, `{"ok": true, "result": ...}` or
`{"ok": false, "error_code", "description", "parameters"?}`. A failure is a BotApiError
whose `kind` says what it was, for logs and for the poll error metric:

    network         no connection, or it broke       timeout         no answer in time
    server_error    5xx                              rate_limited    429 (retry_after)
    conflict        409: another getUpdates, or a webhook is set
    unauthorized    401 (a revoked token) or 404 (Telegram's answer to a malformed one)
    refused         any other 4xx (400 bad request: a bad webhook URL, say)
    invalid_answer  not Telegram's envelope

The token is part of every URL (`<api>/bot<token>/<method>`): no message here quotes a
URL, and bootstrap redacts httpx's own request log line (adapters.token_redaction).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

CONNECT_TIMEOUT_SECONDS = 5.0
READ_TIMEOUT_SECONDS = 10.0
# A long poll is answered after its own timeout at the latest; this covers the way there.
LONG_POLL_MARGIN_SECONDS = 10.0
# Readiness checks must answer within the kit's 2 s.
PROBE_TIMEOUT_SECONDS = 1.5


class BotApiError(Exception):
    def __init__(
        self,
        kind: str,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status
        self.retry_after = retry_after

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


@dataclass(frozen=True, slots=True)
class Answer:
    """A successful call: its result, and the description Telegram added (setWebhook
    says "Webhook was set", say)."""

    result: Any
    description: str | None = None


def _kind(status: int) -> str:
    if status == 429:
        return "rate_limited"
    if status == 409:
        return "conflict"
    if status in (401, 404):
        return "unauthorized"
    if status >= 500:
        return "server_error"
    return "refused"


def _retry_after(body: Mapping[str, Any], response: httpx.Response) -> float | None:
    parameters = body.get("parameters")
    value = parameters.get("retry_after") if isinstance(parameters, Mapping) else None
    if value is None:
        value = response.headers.get("Retry-After")
    try:
        return None if value is None else max(0.0, float(value))
    except (TypeError, ValueError):
        return None


def _is_update(value: Any) -> bool:
    update_id = value.get("update_id") if isinstance(value, dict) else None
    return isinstance(update_id, int) and not isinstance(update_id, bool)


def _body(response: httpx.Response) -> Mapping[str, Any] | None:
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return body if isinstance(body, Mapping) else None


class BotApi:
    def __init__(self, token: str, api_url: str) -> None:
        self._token = token
        self._base = f"{api_url.rstrip('/')}/bot{token}"
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(READ_TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS)
        )

    async def call(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        *,
        timeout: httpx.Timeout | None = None,
    ) -> Answer:
        try:
            response = await self.client.post(
                f"{self._base}/{method}",
                json=dict(params or {}),
                timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
            )
        except httpx.TimeoutException as error:
            raise BotApiError(
                "timeout", f"{method}: no answer in time ({type(error).__name__})"
            ) from None
        except httpx.HTTPError as error:
            said = str(error).replace(self._token, "<token>")  # should a message quote the URL
            raise BotApiError("network", f"{method}: {type(error).__name__}: {said}") from None
        body = _body(response)
        status = response.status_code
        if body is None:
            kind = _kind(status) if status >= 400 else "invalid_answer"
            raise BotApiError(kind, f"{method}: HTTP {status}, not a Bot API answer", status=status)
        description = body.get("description")
        description = description if isinstance(description, str) else None
        if status >= 400 or body.get("ok") is not True:
            if status < 400:
                raise BotApiError("invalid_answer", f"{method}: ok is not true", status=status)
            raise BotApiError(
                _kind(status),
                f"{method}: HTTP {status}: {description or 'no description'}",
                status=status,
                retry_after=_retry_after(body, response),
            )
        if "result" not in body:
            raise BotApiError("invalid_answer", f"{method}: no result", status=status)
        return Answer(body["result"], description)

    async def get_updates(
        self, *, offset: int | None, timeout_seconds: int, allowed_updates: Sequence[str]
    ) -> list[dict[str, Any]]:
        """The updates from `offset` on (None: from the earliest Telegram still holds),
        waiting up to `timeout_seconds` for one. Asking with an offset confirms every
        update below it: Telegram forgets them."""
        params: dict[str, Any] = {
            "timeout": timeout_seconds,
            "allowed_updates": list(allowed_updates),
        }
        if offset is not None:
            params["offset"] = offset
        read = timeout_seconds + LONG_POLL_MARGIN_SECONDS
        answer = await self.call(
            "getUpdates", params, timeout=httpx.Timeout(read, connect=CONNECT_TIMEOUT_SECONDS)
        )
        updates = answer.result
        if not isinstance(updates, list) or not all(_is_update(u) for u in updates):
            # Without an update_id an update can be neither handled once nor passed.
            raise BotApiError("invalid_answer", "getUpdates: the result is not a list of updates")
        return updates

    async def get_me(self, *, timeout_seconds: float = READ_TIMEOUT_SECONDS) -> dict[str, Any]:
        answer = await self.call("getMe", timeout=httpx.Timeout(timeout_seconds))
        if not isinstance(answer.result, dict):
            raise BotApiError("invalid_answer", "getMe: the result is not a user")
        return answer.result

    async def webhook_info(self) -> dict[str, Any]:
        answer = await self.call("getWebhookInfo")
        if not isinstance(answer.result, dict):
            raise BotApiError("invalid_answer", "getWebhookInfo: the result is not WebhookInfo")
        return answer.result

    async def set_webhook(
        self, url: str, *, secret_token: str, allowed_updates: Sequence[str]
    ) -> Answer:
        return await self.call(
            "setWebhook",
            {"url": url, "secret_token": secret_token, "allowed_updates": list(allowed_updates)},
        )

    async def delete_webhook(self, *, drop_pending_updates: bool = False) -> Answer:
        return await self.call("deleteWebhook", {"drop_pending_updates": drop_pending_updates})

    async def probe(self, bot_username: str) -> str:
        """`ok` when Telegram answers getMe for this token as the bot the deep links name;
        otherwise what is wrong, in a few words (a readiness check's answer)."""
        try:
            me = await self.get_me(timeout_seconds=PROBE_TIMEOUT_SECONDS)
        except BotApiError as error:
            if error.kind == "rate_limited":
                return "ok"  # Telegram answered and knows the token; it only asks to slow down
            if error.kind == "unauthorized":
                return f"refused: the bot token ({error.message})"
            if error.kind in ("network", "timeout"):
                return f"unreachable: {error.message}"
            return f"unavailable: {error.message}"
        username = str(me.get("username") or "")
        expected = bot_username.lstrip("@")
        if username.lower() != expected.lower():
            return (
                f"wrong bot: the token is @{username}'s, NOTIFIER_TELEGRAM_BOT_USERNAME"
                f" says @{expected} (deep links would open another bot)"
            )
        return "ok"

    async def close(self) -> None:
        await self.client.aclose()
