"""Telegram and Slack against real HTTP fakes of the Bot API and of a Slack incoming
webhook (bot_api_fakes.py): linking a chat end to end through the webhook, its secret,
one-time tokens, a blocked bot, a 429's retry_after, staff alerts on Slack, no duplicate
on redelivery, staff resending a failed message on either channel, and the readiness
checks of both. (Long polling: test_telegram_polling.py.)"""

from __future__ import annotations

import itertools
import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import pytest_asyncio
from sqlalchemy import select

from walletreports.contracts.dune_runner import IntakePaused
from walletreports.contracts.orders import OrderPaid
from walletreports.devkit.testing.eventually import eventually
from walletreports.devkit.testing.openapi import check_openapi_conformance
from walletreports.notifier.adapters.tables import contacts, telegram_updates

from .bot_api_fakes import BOT, TOKEN, FakeSlack, FakeTelegram, error, served
from .conftest import WALLET, NotifierDriver

SECRET = "webhook-secret-for-tests-0123"
updates = itertools.count(1_000)


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def fakes() -> AsyncIterator[tuple[FakeTelegram, FakeSlack]]:
    telegram, slack = FakeTelegram(), FakeSlack()
    async with served(telegram), served(slack):
        yield telegram, slack


@pytest.fixture(scope="module")
def service_env(fakes: tuple[FakeTelegram, FakeSlack]) -> dict[str, str]:
    telegram, slack = fakes
    return {
        "NOTIFIER_TELEGRAM_BOT_TOKEN": TOKEN,
        "NOTIFIER_TELEGRAM_BOT_USERNAME": BOT,
        "NOTIFIER_TELEGRAM_WEBHOOK_SECRET": SECRET,
        "NOTIFIER_TELEGRAM_API_URL": telegram.url,
        "NOTIFIER_SLACK_WEBHOOK_URL": f"{slack.url}/services/T0/B0/hook",
    }


async def until(probe: Any, timeout: float = 15.0) -> Any:
    async def probing() -> Any:
        return probe()

    return await eventually(probing, timeout=timeout)


def a_chat() -> int:
    return 10_000_000 + uuid.uuid4().int % 1_000_000_000


async def mint(svc: NotifierDriver, user_id: uuid.UUID) -> str:
    response = await svc.http.post(f"/v1/users/{user_id}/telegram-link")
    assert response.status_code == 200, response.text
    link = response.json()["deep_link"]
    assert link.startswith(f"https://t.me/{BOT}?start=")
    return parse_qs(urlsplit(link).query)["start"][0]


async def start(
    svc: NotifierDriver, chat_id: int, token: str, *, secret: str | None = SECRET
) -> Any:
    update = {
        "update_id": next(updates),
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Ada"},
            "text": f"/start {token}",
        },
    }
    headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
    return await svc.http.post("/telegram/webhook", json=update, headers=headers)


async def chat_of(svc: NotifierDriver, user_id: uuid.UUID) -> int | None:
    async with svc.service.runtime.db.sessions() as session:
        row = (
            await session.execute(
                select(contacts.c.telegram_chat_id).where(contacts.c.user_id == user_id)
            )
        ).first()
    return None if row is None else row[0]


async def linked_user(svc: NotifierDriver, telegram: FakeTelegram) -> tuple[Any, int]:
    user = await svc.user()
    chat = a_chat()
    response = await start(svc, chat, await mint(svc, user.user_id))
    assert response.json() == {"ok": True, "outcome": "linked"}
    await until(lambda: telegram.to(chat) or None)  # the bot's "you're all set"
    return user, chat


async def paid(svc: NotifierDriver, user: Any) -> uuid.UUID:
    order_id = await svc.order(user)
    event = OrderPaid(
        order_id=order_id,
        user_id=user.user_id,
        product="wallet_report",
        wallet_address=WALLET,
        paid_via="payment",
    )
    await svc.publish(event)
    await svc.handled(event)
    return order_id


async def test_a_linked_chat_gets_the_payment_received_message(
    svc: NotifierDriver, fakes: tuple[FakeTelegram, FakeSlack]
) -> None:
    telegram, _ = fakes
    user, chat = await linked_user(svc, telegram)
    assert await chat_of(svc, user.user_id) == chat
    assert "all set" in telegram.to(chat)[0]["text"]

    order_id = await paid(svc, user)

    row = await svc.row(order_id=order_id, channel="telegram")
    await svc.until_status(row.id, "sent")
    (message,) = [m for m in telegram.to(chat) if "received your payment" in m["text"]]
    assert message["parse_mode"] == "HTML"
    assert "<b>We've received your payment!</b>" in message["text"]
    assert "Amount: <code>$25.00</code>" in message["text"]
    assert f"<code>{WALLET}</code>" in message["text"]
    assert f'<a href="https://reports.example.com/analysis/order/{order_id}/">' in message["text"]
    # and the email as before, one row per channel
    email = await svc.row(order_id=order_id, channel="email")
    assert email.id != row.id


async def test_a_redelivered_event_sends_nothing_new(
    svc: NotifierDriver, fakes: tuple[FakeTelegram, FakeSlack]
) -> None:
    telegram, _ = fakes
    user, chat = await linked_user(svc, telegram)
    order_id = await svc.order(user)
    event = OrderPaid(
        order_id=order_id,
        user_id=user.user_id,
        product="wallet_report",
        wallet_address=WALLET,
        paid_via="payment",
    )
    await svc.publish(event)
    await svc.handled(event)
    row = await svc.row(order_id=order_id, channel="telegram")
    await svc.until_status(row.id, "sent")
    again = event.model_copy(update={"event_id": uuid.uuid4()})  # the same fact, a new id
    await svc.publish(again)
    await svc.publish(event, msg_id=f"redelivered-{event.event_id}")
    await svc.handled(again)
    assert len(await svc.rows(order_id=order_id, channel="telegram")) == 1
    assert len([m for m in telegram.to(chat) if "received your payment" in m["text"]]) == 1


async def test_a_wrong_or_missing_secret_is_refused_and_nothing_recorded(
    svc: NotifierDriver,
) -> None:
    user = await svc.user()
    token = await mint(svc, user.user_id)
    chat = a_chat()
    for secret in ("not-the-secret", None):
        response = await start(svc, chat, token, secret=secret)
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "wrong_webhook_secret"
    assert await svc.count(telegram_updates, chat_id=chat) == 0
    assert await chat_of(svc, user.user_id) is None
    # the token is still good
    assert (await start(svc, chat, token)).json()["outcome"] == "linked"


async def test_a_reused_token_links_nothing_and_says_why(
    svc: NotifierDriver, fakes: tuple[FakeTelegram, FakeSlack]
) -> None:
    telegram, _ = fakes
    user = await svc.user()
    token = await mint(svc, user.user_id)
    first, second = a_chat(), a_chat()
    assert (await start(svc, first, token)).json()["outcome"] == "linked"
    assert (await start(svc, second, token)).json()["outcome"] == "token_used"
    assert (await start(svc, second, "no-such-token")).json()["outcome"] == "token_unknown"
    assert await chat_of(svc, user.user_id) == first
    async with svc.service.runtime.db.sessions() as session:
        reasons = (
            await session.execute(
                select(telegram_updates.c.outcome, telegram_updates.c.reason).where(
                    telegram_updates.c.chat_id == second
                )
            )
        ).all()
    assert sorted(r.outcome for r in reasons) == ["token_unknown", "token_used"]
    assert all(r.reason for r in reasons)
    replies = await until(lambda: telegram.to(second) if len(telegram.to(second)) >= 2 else None)
    assert all("Sorry" in m["text"] for m in replies)


async def test_a_blocked_bot_fails_the_message_and_unlinks_the_chat(
    svc: NotifierDriver, fakes: tuple[FakeTelegram, FakeSlack]
) -> None:
    telegram, _ = fakes
    user, chat = await linked_user(svc, telegram)
    telegram.blocked.add(chat)
    order_id = await paid(svc, user)
    row = await svc.row(order_id=order_id, channel="telegram")
    failed = await svc.until_status(row.id, "failed")
    assert failed.reason_code == "bot_blocked"
    assert await chat_of(svc, user.user_id) is None


async def test_a_429_is_tried_again_after_retry_after(
    svc: NotifierDriver, fakes: tuple[FakeTelegram, FakeSlack]
) -> None:
    telegram, _ = fakes
    user, chat = await linked_user(svc, telegram)
    telegram.limit_once[chat] = 2
    order_id = await paid(svc, user)
    row = await svc.row(order_id=order_id, channel="telegram")
    await svc.until_status(row.id, "sent", timeout=20)
    tries = [at for at, body in telegram.attempts if int(body["chat_id"]) == chat]
    # the reply to /start, then the 429, then the retry at least 2 s later
    assert len(tries) == 3
    assert tries[2] - tries[1] >= 2.0


async def test_a_staff_alert_reaches_slack_escaped(
    svc: NotifierDriver, fakes: tuple[FakeTelegram, FakeSlack]
) -> None:
    _, slack = fakes
    slack.fail_next.append(503)  # tried again
    event = IntakePaused(reason=f"budget <90% & rising {uuid.uuid4().hex[:6]}")
    await svc.publish(event)
    await svc.handled(event)
    row = await svc.row(event_id=event.event_id, channel="slack")
    await svc.until_status(row.id, "sent")
    (post,) = [p for p in slack.posts if event.reason[-6:] in p["text"]]
    assert "budget &lt;90% &amp; rising" in post["text"]
    assert post["text"].startswith(":rotating_light: *[staff]")
    # email staff get theirs as before
    assert len(await svc.rows(event_id=event.event_id, channel="email")) == 2


async def resend(svc: NotifierDriver, notification_id: uuid.UUID) -> Any:
    response = await svc.http.post(
        f"/admin/api/notifications/{notification_id}/resend",
        json={"staff_email": "ops@wallet-reports.test", "reason": "the chat is back"},
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_staff_resend_a_failed_telegram_message_and_it_arrives_once(
    svc: NotifierDriver, fakes: tuple[FakeTelegram, FakeSlack]
) -> None:
    telegram, _ = fakes
    user, chat = await linked_user(svc, telegram)
    telegram.fail_once[chat] = error(400, "Bad Request: chat not found")
    order_id = await paid(svc, user)
    row = await svc.row(order_id=order_id, channel="telegram")
    await svc.until_status(row.id, "failed")
    assert [m for m in telegram.to(chat) if "received your payment" in m["text"]] == []

    answer = await resend(svc, row.id)

    assert answer["kind"] == "same_message"
    sent = await svc.until_status(row.id, "sent")
    assert (sent.resends, sent.last_resent_by) == (1, "staff:ops@wallet-reports.test")
    (message,) = [m for m in telegram.to(chat) if "received your payment" in m["text"]]
    assert message["parse_mode"] == "HTML"
    # A second resend of a sent message is refused: nothing goes out twice.
    again = await svc.http.post(
        f"/admin/api/notifications/{row.id}/resend", json={"staff_email": "ops@wallet-reports.test"}
    )
    assert again.status_code == 409, again.text
    assert len([m for m in telegram.to(chat) if "received your payment" in m["text"]]) == 1


async def test_staff_resend_a_failed_slack_alert_and_it_arrives_once(
    svc: NotifierDriver, fakes: tuple[FakeTelegram, FakeSlack]
) -> None:
    _, slack = fakes
    slack.fail_next.append(404)  # Slack's answer to a removed webhook: failed for good
    marker = uuid.uuid4().hex[:8]
    event = IntakePaused(reason=f"weekly budget reached {marker}")
    await svc.publish(event)
    await svc.handled(event)
    row = await svc.row(event_id=event.event_id, channel="slack")
    await svc.until_status(row.id, "failed")
    assert [p for p in slack.posts if marker in p["text"]] == []

    answer = await resend(svc, row.id)

    assert answer["kind"] == "same_message"
    await svc.until_status(row.id, "sent")
    assert len([p for p in slack.posts if marker in p["text"]]) == 1


async def test_readiness_asks_telegram_and_slack(svc: NotifierDriver) -> None:
    body = await svc.service.wait_ready()
    assert body["checks"]["telegram"] == "ok"
    assert body["checks"]["slack"] == "ok"


async def test_with_the_webhook_every_route_answers_as_its_openapi_says(
    svc: NotifierDriver,
) -> None:
    report = await check_openapi_conformance(svc.service)
    assert report.ok, report.describe()


async def test_the_bot_token_never_reaches_the_log(
    svc: NotifierDriver, fakes: tuple[FakeTelegram, FakeSlack], caplog: pytest.LogCaptureFixture
) -> None:
    telegram, _ = fakes
    with caplog.at_level(logging.INFO, logger="httpx"):
        await linked_user(svc, telegram)  # the reply: a sendMessage, whose URL has the token
    lines = [record.getMessage() for record in caplog.records]
    assert any("/bot<bot-token>/sendMessage" in line for line in lines), lines
    assert not any(TOKEN in line for line in lines)
