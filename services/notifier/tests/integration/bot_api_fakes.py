"""Real HTTP fakes (Starlette apps on free ports) of Telegram's Bot API and of a Slack
incoming webhook, answering as their documentation says.

FakeTelegram keeps what Telegram keeps: the updates not confirmed yet (getUpdates with
an offset confirms, that is forgets, every update below it), the webhook (getUpdates
answers 409 while one is set), and every message sent. Tests push updates, set faults
and look at what the notifier asked.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from walletreports.devkit.testing.serving import serving

TOKEN = "123456:TEST-token"
BOT_ID = 123456
BOT = "wallet_reports_test_bot"
# A long poll of the fake never waits longer than this, whatever it is asked.
LONGEST_POLL_SECONDS = 5.0


def error(status: int, description: str, **parameters: Any) -> tuple[int, dict[str, Any]]:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return status, body


def start_update(update_id: int, chat_id: int, text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Ada"},
            "text": text,
        },
    }


class FakeTelegram:
    def __init__(self, *, token: str = TOKEN, username: str = BOT) -> None:
        self.token = token
        self.username = username
        self.url = ""
        # sendMessage
        self.sent: list[dict[str, Any]] = []
        self.attempts: list[tuple[float, dict[str, Any]]] = []
        self.blocked: set[int] = set()
        self.limit_once: dict[int, int] = {}
        self.fail_once: dict[int, tuple[int, dict[str, Any]]] = {}
        # getUpdates
        self.pending: list[dict[str, Any]] = []
        self.polls: list[dict[str, Any]] = []
        self.polling_now = 0  # getUpdates under way at once
        self.most_polling_at_once = 0
        self.fail_next: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        self._arrived = asyncio.Event()
        # the webhook
        self.webhook: dict[str, Any] | None = None
        self.webhook_calls: list[tuple[str, dict[str, Any]]] = []
        self.app = Starlette(routes=[Route("/bot{token}/{method}", self.call, methods=["POST"])])

    # what tests do

    def push(self, update: dict[str, Any]) -> None:
        """An update Telegram has for the bot."""
        self.pending.append(update)
        self.pending.sort(key=lambda u: int(u["update_id"]))
        self._arrived.set()

    def to(self, chat_id: int) -> list[dict[str, Any]]:
        return [m for m in self.sent if int(m["chat_id"]) == chat_id]

    def fail(self, method: str, *answers: tuple[int, dict[str, Any]]) -> None:
        """The next calls of `method` get these answers, one each."""
        self.fail_next.setdefault(method, []).extend(answers)

    # the Bot API

    async def call(self, request: Request) -> JSONResponse:
        if request.path_params["token"] != self.token:
            return JSONResponse(error(401, "Unauthorized")[1], 401)
        method = request.path_params["method"]
        if request.headers.get("content-type", "").startswith("application/json"):
            body = dict(await request.json())
        else:
            body = dict(await request.form())
        if method in ("setWebhook", "deleteWebhook", "getWebhookInfo"):
            self.webhook_calls.append((method, body))
        if faults := self.fail_next.get(method):
            status, answer = faults.pop(0)
            return JSONResponse(answer, status)
        handler = {
            "sendMessage": self.send_message,
            "getUpdates": self.get_updates,
            "getMe": self.get_me,
            "setWebhook": self.set_webhook,
            "deleteWebhook": self.delete_webhook,
            "getWebhookInfo": self.webhook_info,
        }.get(method)
        if handler is None:
            return JSONResponse(error(404, "Not Found")[1], 404)
        status, answer = await handler(body)
        return JSONResponse(answer, status)

    async def send_message(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        chat_id = int(body["chat_id"])
        self.attempts.append((time.monotonic(), body))
        if chat_id in self.blocked:
            return error(403, "Forbidden: bot was blocked by the user")
        if chat_id in self.fail_once:
            return self.fail_once.pop(chat_id)
        if chat_id in self.limit_once:
            seconds = self.limit_once.pop(chat_id)
            return error(429, f"Too Many Requests: retry after {seconds}", retry_after=seconds)
        self.sent.append(body)
        message = {
            "message_id": len(self.sent),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "text": body["text"],
        }
        return 200, {"ok": True, "result": message}

    async def get_updates(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.polls.append(body)
        self.polling_now += 1
        self.most_polling_at_once = max(self.most_polling_at_once, self.polling_now)
        try:
            return await self._updates(body)
        finally:
            self.polling_now -= 1

    async def _updates(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self.webhook is not None:
            return error(
                409,
                "Conflict: can't use getUpdates method while webhook is active;"
                " use deleteWebhook to delete the webhook first",
            )
        offset = body.get("offset")
        if offset is not None:  # confirms every update below it
            self.pending = [u for u in self.pending if int(u["update_id"]) >= int(offset)]
        if not self.pending:
            self._arrived.clear()
            wait = min(float(body.get("timeout") or 0), LONGEST_POLL_SECONDS)
            try:
                await asyncio.wait_for(self._arrived.wait(), wait)
            except TimeoutError:
                pass  # nothing came: an empty answer, as Telegram's
        return 200, {"ok": True, "result": list(self.pending)}

    async def get_me(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        me = {"id": BOT_ID, "is_bot": True, "first_name": "Reports", "username": self.username}
        return 200, {"ok": True, "result": me}

    async def set_webhook(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        url = str(body.get("url") or "")
        if not url.startswith("https://"):
            return error(400, "Bad Request: bad webhook: HTTPS url must be provided for webhook")
        self.webhook = body
        return 200, {"ok": True, "result": True, "description": "Webhook was set"}

    async def delete_webhook(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        existed = self.webhook is not None
        self.webhook = None
        if body.get("drop_pending_updates"):
            self.pending.clear()
        said = "Webhook was deleted" if existed else "Webhook is already deleted"
        return 200, {"ok": True, "result": True, "description": said}

    async def webhook_info(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        info: dict[str, Any] = {
            "url": "" if self.webhook is None else self.webhook["url"],
            "has_custom_certificate": False,
            "pending_update_count": len(self.pending),
        }
        if self.webhook is not None:
            info["allowed_updates"] = self.webhook.get("allowed_updates", [])
        return 200, {"ok": True, "result": info}


class FakeSlack:
    def __init__(self) -> None:
        self.url = ""
        self.posts: list[dict[str, Any]] = []
        self.fail_next: list[int] = []
        self.app = Starlette(routes=[Route("/services/T0/B0/hook", self.post, methods=["POST"])])

    async def post(self, request: Request) -> JSONResponse:
        if self.fail_next:
            return JSONResponse({"error": "boom"}, self.fail_next.pop(0))
        self.posts.append(dict(await request.json()))
        return JSONResponse("ok")


@asynccontextmanager
async def served(fake: FakeTelegram | FakeSlack) -> AsyncIterator[str]:
    async with serving(fake.app) as url:  # type: ignore[arg-type]
        fake.url = url
        yield url
