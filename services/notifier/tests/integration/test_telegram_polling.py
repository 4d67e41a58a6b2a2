"""Long polling (NOTIFIER_TELEGRAM_UPDATES=polling) against a real HTTP fake of the Bot
API that keeps what Telegram keeps (bot_api_fakes.FakeTelegram), with the real
notifier on real NATS and PostgreSQL: a chat linked end to end, the webhook removed at
start and refused after, a restart that goes on from the stored offset, two replicas
polling one at a time, getUpdates failures survived and counted, the readiness checks
following Telegram and Slack (each behind a TCP proxy a test can cut), and every route
as its OpenAPI says."""

from __future__ import annotations

import contextlib
import itertools
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import nats
import pytest_asyncio
from prometheus_client import REGISTRY
from sqlalchemy import select

from walletreports.devkit.testing.eventually import eventually
from walletreports.devkit.testing.openapi import check_openapi_conformance
from walletreports.devkit.testing.serving import RunningService, ServiceHarness
from walletreports.devkit.testing.tcp_proxy import TcpProxy
from walletreports.notifier.adapters.tables import contacts, telegram_poll_offsets, telegram_updates
from walletreports.notifier.adapters.telegram_bot_api import BotApi
from walletreports.notifier.app import SERVICE

from .bot_api_fakes import (
    BOT,
    BOT_ID,
    TOKEN,
    FakeSlack,
    FakeTelegram,
    error,
    served,
    start_update,
)
from .conftest import NotifierDriver

update_ids = itertools.count(50_000)


@pytest_asyncio.fixture(loop_scope="session")
async def telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    async with served(fake):
        yield fake


@pytest_asyncio.fixture(loop_scope="session")
async def slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    async with served(fake):
        yield fake


async def proxy_to(url: str) -> TcpProxy:
    parts = urlsplit(url)
    return await TcpProxy(parts.hostname, parts.port).start()


@pytest_asyncio.fixture(loop_scope="session")
async def telegram_proxy(telegram: FakeTelegram) -> AsyncIterator[TcpProxy]:
    proxy = await proxy_to(telegram.url)
    yield proxy
    await proxy.close()


def polling_env(telegram_proxy: TcpProxy, **more: str) -> dict[str, str]:
    return {
        "NOTIFIER_EMAIL_BACKEND": "console",
        "NOTIFIER_TELEGRAM_BOT_TOKEN": TOKEN,
        "NOTIFIER_TELEGRAM_BOT_USERNAME": BOT,
        "NOTIFIER_TELEGRAM_API_URL": f"http://127.0.0.1:{telegram_proxy.port}",
        "NOTIFIER_TELEGRAM_UPDATES": "polling",
        "NOTIFIER_TELEGRAM_POLL_TIMEOUT_SECONDS": "1",
        "NOTIFIER_TELEGRAM_POLL_RETRY_SECONDS": "0.05",
        **more,
    }


@pytest_asyncio.fixture(loop_scope="session")
async def js(nats_url: str) -> AsyncIterator[Any]:
    nc = await nats.connect(nats_url)
    yield nc.jetstream()
    await nc.close()


def driver(service: RunningService, js: Any, services: ServiceHarness) -> NotifierDriver:
    """The shared driver, for its events and rows (no SMTP here: mail goes to the console)."""
    return NotifierDriver(service, js, services.namespace, None, None)  # type: ignore[arg-type]


async def mint(svc: NotifierDriver, user_id: uuid.UUID) -> str:
    response = await svc.http.post(f"/v1/users/{user_id}/telegram-link")
    assert response.status_code == 200, response.text
    return parse_qs(urlsplit(response.json()["deep_link"]).query)["start"][0]


def a_chat() -> int:
    return 20_000_000 + uuid.uuid4().int % 1_000_000_000


async def update_row(svc: NotifierDriver, update_id: int) -> Any:
    async with svc.service.runtime.db.sessions() as session:
        return (
            await session.execute(
                select(telegram_updates).where(telegram_updates.c.update_id == update_id)
            )
        ).first()


async def handled(svc: NotifierDriver, update_id: int) -> Any:
    return await eventually(lambda: update_row(svc, update_id))


async def chat_of(svc: NotifierDriver, user_id: uuid.UUID) -> int | None:
    async with svc.service.runtime.db.sessions() as session:
        return (
            await session.execute(
                select(contacts.c.telegram_chat_id).where(contacts.c.user_id == user_id)
            )
        ).scalar_one_or_none()


async def replies(telegram: FakeTelegram, chat: int, count: int = 1) -> list[dict[str, Any]]:
    async def arrived() -> list[dict[str, Any]] | None:
        sent = telegram.to(chat)
        return sent if len(sent) >= count else None

    return await eventually(arrived)


def metric(name: str, **labels: str) -> float:
    """A sample of this process's registry (the service under test runs in it)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_long_polling_links_a_chat_end_to_end(
    services: ServiceHarness, js: Any, telegram: FakeTelegram, telegram_proxy: TcpProxy
) -> None:
    telegram.webhook = {"url": "https://old.example.com/telegram/webhook"}  # left from before
    async with services.run(SERVICE, **polling_env(telegram_proxy)) as service:
        svc = driver(service, js, services)
        # At start the webhook is removed, keeping the updates waiting on it.
        await eventually(lambda: _async(telegram.webhook is None))
        assert ("deleteWebhook", {"drop_pending_updates": False}) in telegram.webhook_calls

        user = await svc.user()
        token = await mint(svc, user.user_id)
        chat, other = a_chat(), a_chat()
        linking, reused = next(update_ids), next(update_ids)
        telegram.push(start_update(linking, chat, f"/start {token}"))

        row = await handled(svc, linking)
        assert (row.outcome, row.chat_id, row.user_id) == ("linked", chat, user.user_id)
        assert await chat_of(svc, user.user_id) == chat
        (reply,) = await replies(telegram, chat)
        assert "all set" in reply["text"]

        # The same token from another chat: recorded with its reason, answered politely.
        telegram.push(start_update(reused, other, f"/start {token}"))
        row = await handled(svc, reused)
        assert row.outcome == "token_used" and row.reason
        (sorry,) = await replies(telegram, other)
        assert sorry["text"].startswith("Sorry")
        assert await chat_of(svc, user.user_id) == chat

        # The next getUpdates confirms both; the offset is stored past the last one.
        await eventually(lambda: _async(telegram.polls[-1].get("offset") == reused + 1))
        assert telegram.polls[-1]["allowed_updates"] == ["message"]
        assert await svc.count(telegram_poll_offsets, bot_id=BOT_ID, next_update_id=reused + 1)
        assert metric("notifier_telegram_updates_total", source="polling", outcome="linked") >= 1
        exposed = (await svc.http.get("/metrics")).text
        assert 'notifier_telegram_updates_total{outcome="token_used",source="polling"}' in exposed

        # With polling, the webhook is no way in, even with the right secret header.
        response = await svc.http.post(
            "/telegram/webhook",
            json=start_update(next(update_ids), a_chat(), f"/start {token}"),
            headers={"X-Telegram-Bot-Api-Secret-Token": "webhook-secret-for-tests-0123"},
        )
        assert response.status_code == 404, response.text
        assert response.json()["error"]["code"] == "telegram_webhook_off"


async def test_a_restart_goes_on_from_the_stored_offset_and_handles_nothing_twice(
    services: ServiceHarness, js: Any, telegram: FakeTelegram, telegram_proxy: TcpProxy
) -> None:
    database_url = services.database(SERVICE)
    env = polling_env(telegram_proxy)
    chat = a_chat()
    update = start_update(next(update_ids), chat, "hello")
    async with services.run(SERVICE, database_url=database_url, **env) as service:
        svc = driver(service, js, services)
        telegram.push(update)
        assert (await handled(svc, update["update_id"])).outcome == "not_a_link"
        await replies(telegram, chat)

    # The crash window: the update was handled and committed, but the getUpdates that
    # would have confirmed it never reached Telegram, which still holds it.
    telegram.pending = [update]
    telegram.polls.clear()

    async with services.run(SERVICE, database_url=database_url, **env) as service:
        svc = driver(service, js, services)
        await eventually(lambda: _async(len(telegram.polls) >= 2))
        # The first ask after the restart is from just past the handled update.
        assert telegram.polls[0]["offset"] == update["update_id"] + 1
        assert telegram.pending == []  # confirmed by that ask, never handed out again
        assert await svc.count(telegram_updates, update_id=update["update_id"]) == 1
        assert len(telegram.to(chat)) == 1  # one reply, before the restart


async def test_two_replicas_poll_one_at_a_time_and_either_goes_on_alone(
    services: ServiceHarness, js: Any, telegram: FakeTelegram, telegram_proxy: TcpProxy
) -> None:
    database_url = services.database(SERVICE)
    env = polling_env(telegram_proxy)
    async with contextlib.AsyncExitStack() as first:
        await first.enter_async_context(services.run(SERVICE, database_url=database_url, **env))
        async with services.run(SERVICE, database_url=database_url, **env) as second:
            asked = len(telegram.polls)
            await eventually(lambda: _async(len(telegram.polls) >= asked + 3))
            assert telegram.most_polling_at_once == 1
            # The first replica stops (holding the lease or not): the second goes on.
            await first.aclose()
            svc = driver(second, js, services)
            chat, update_id = a_chat(), next(update_ids)
            telegram.push(start_update(update_id, chat, "still there?"))
            assert (await handled(svc, update_id)).outcome == "not_a_link"
            assert len(await replies(telegram, chat)) == 1


async def test_getupdates_failures_are_survived_counted_and_lose_nothing(
    services: ServiceHarness, js: Any, telegram: FakeTelegram, telegram_proxy: TcpProxy
) -> None:
    telegram.fail("getWebhookInfo", error(502, "Bad Gateway"))
    telegram.fail(
        "getUpdates",
        error(500, "Internal Server Error"),
        error(429, "Too Many Requests: retry after 1", retry_after=1),
        error(409, "Conflict: terminated by other getUpdates request"),
        error(401, "Unauthorized"),
    )
    counted = {"server_error": 2, "rate_limited": 1, "conflict": 1, "unauthorized": 1}
    before = {kind: metric("notifier_telegram_poll_errors_total", kind=kind) for kind in counted}
    async with services.run(SERVICE, **polling_env(telegram_proxy)) as service:
        svc = driver(service, js, services)
        user = await svc.user()
        token = await mint(svc, user.user_id)
        chat = a_chat()
        linking = next(update_ids)
        telegram.push(start_update(linking, chat, f"/start {token}"))

        assert (await handled(svc, linking)).outcome == "linked"
        await replies(telegram, chat)
        await eventually(lambda: _async(telegram.polls[-1].get("offset") == linking + 1))

    # Each failure was answered once, and counted once by its kind.
    assert telegram.fail_next == {"getWebhookInfo": [], "getUpdates": []}
    for kind, times in counted.items():
        assert metric("notifier_telegram_poll_errors_total", kind=kind) - before[kind] == times
    assert metric("notifier_telegram_poll_failures_in_a_row") == 0
    # Nothing was passed over while it failed: every ask before the update was handled
    # was from the start (no offset yet: every update Telegram holds).
    asked = [poll.get("offset") for poll in telegram.polls]
    assert set(asked[: asked.index(linking + 1)]) == {None}


async def readiness_once(service: RunningService, check: str, says: Callable[[str], bool]) -> Any:
    """/readyz (status, body) once `check` answers as `says` wants (each answer is
    kept a few seconds, so it follows a change within those)."""

    async def asked() -> Any:
        response = await service.http.get("/readyz")
        body = response.json()
        return (response.status_code, body) if says(body["checks"].get(check, "")) else None

    return await eventually(asked, timeout=20, interval=0.2)


async def test_readiness_follows_telegram_and_slack(
    services: ServiceHarness,
    telegram: FakeTelegram,
    telegram_proxy: TcpProxy,
    slack: FakeSlack,
) -> None:
    slack_proxy = await proxy_to(slack.url)
    env = polling_env(
        telegram_proxy,
        NOTIFIER_SLACK_WEBHOOK_URL=f"http://127.0.0.1:{slack_proxy.port}/services/T0/B0/hook",
    )
    try:
        async with services.run(SERVICE, **env) as service:
            body = await service.wait_ready()
            assert (body["checks"]["telegram"], body["checks"]["slack"]) == ("ok", "ok")

            # A second channel down: shown and degraded, but the replica still serves
            # (email and account mail go out), so /readyz stays 200.
            await telegram_proxy.cut()
            status, body = await readiness_once(service, "telegram", lambda s: s != "ok")
            assert (status, body["status"], body["degraded"]) == (200, "ready", ["telegram"])
            assert body["checks"]["telegram"].startswith("unreachable: getMe")
            await telegram_proxy.restore()
            await readiness_once(service, "telegram", lambda s: s == "ok")

            await slack_proxy.cut()
            status, body = await readiness_once(service, "slack", lambda s: s != "ok")
            assert (status, body["degraded"]) == (200, ["slack"])
            assert body["checks"]["slack"] == (
                f"unreachable: 127.0.0.1:{slack_proxy.port}: ConnectionRefusedError"
            )
            await slack_proxy.restore()
            await readiness_once(service, "slack", lambda s: s == "ok")
            assert (await service.wait_ready())["degraded"] == []
    finally:
        await slack_proxy.close()


async def test_the_telegram_probe_names_a_wrong_token_and_a_wrong_bot(
    telegram: FakeTelegram,
) -> None:
    right = BotApi(TOKEN, telegram.url)
    wrong = BotApi("654321:not-the-token", telegram.url)
    try:
        assert await right.probe(BOT) == "ok"
        assert await right.probe(f"@{BOT.upper()}") == "ok"  # usernames ignore case
        assert (await right.probe("another_bot")).startswith(
            f"wrong bot: the token is @{BOT}'s, NOTIFIER_TELEGRAM_BOT_USERNAME says @another_bot"
        )
        assert (await wrong.probe(BOT)).startswith("refused: the bot token (getMe: HTTP 401")
    finally:
        await right.close()
        await wrong.close()


async def _async(value: Any) -> Any:
    return value


async def test_with_polling_every_route_answers_as_its_openapi_says(
    services: ServiceHarness, telegram_proxy: TcpProxy
) -> None:
    async with services.run(SERVICE, **polling_env(telegram_proxy)) as service:
        report = await check_openapi_conformance(service)
    assert report.ok, report.describe()
