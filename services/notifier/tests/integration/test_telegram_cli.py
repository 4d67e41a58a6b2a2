"""`python -m walletreports.notifier telegram webhook set|info|delete` against the real
HTTP fake of the Bot API: what it sends, what it prints, and the clear refusals (no
token, a URL Telegram would refuse, polling configured) that send nothing."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from walletreports.notifier.entrypoints import telegram_cli

from .bot_api_fakes import TOKEN, FakeTelegram, served

SECRET = "webhook-secret-for-tests-0123"
BASE = "https://reports.example.com"
# Telegram's own Bot API: webhooks only over https, to its four ports (nothing is sent
# there: these cases are refused before).
OFFICIAL = {"NOTIFIER_TELEGRAM_API_URL": "https://api.telegram.org"}


@pytest_asyncio.fixture(loop_scope="session")
async def telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    async with served(fake):
        yield fake


def command_env(telegram: FakeTelegram, **more: str) -> dict[str, str]:
    env = {
        "NOTIFIER_TELEGRAM_BOT_TOKEN": TOKEN,
        "NOTIFIER_TELEGRAM_API_URL": telegram.url,
        "NOTIFIER_TELEGRAM_WEBHOOK_SECRET": SECRET,
        "NOTIFIER_PUBLIC_BASE_URL": BASE,
    }
    env.update(more)
    return {key: value for key, value in env.items() if value}


async def run_module(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """The command as an operator runs it: its own process."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NOTIFIER_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "walletreports.notifier",
        "telegram",
        *args,
        env={**clean, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def run_here(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], *args: str
) -> tuple[int, str, str]:
    """The command in this process (a thread: it runs its own event loop), for speed."""
    for key in list(os.environ):
        if key.startswith("NOTIFIER_"):
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    out, err = _Captured(), _Captured()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    code = await asyncio.to_thread(telegram_cli.main, list(args))
    return code, out.text, err.text


class _Captured:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> int:
        self.text += text
        return len(text)

    def flush(self) -> None:
        pass


async def test_set_registers_the_webhook_with_its_secret_and_prints_the_answer(
    telegram: FakeTelegram,
) -> None:
    code, out, err = await run_module(command_env(telegram), "webhook", "set")

    assert code == 0, err
    assert telegram.webhook == {
        "url": f"{BASE}/telegram/webhook",
        "secret_token": SECRET,
        "allowed_updates": ["message"],
    }
    assert "Telegram: Webhook was set" in out
    info = json.loads(out[out.index("{") :])
    assert info["url"] == f"{BASE}/telegram/webhook"
    assert info["allowed_updates"] == ["message"]
    assert SECRET not in out and TOKEN not in out + err


async def test_an_explicit_url_wins_and_info_shows_it(
    telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = command_env(telegram)
    code, _, err = await run_here(
        monkeypatch, env, "webhook", "set", "--url", "https://hooks.example.com/notifier/"
    )
    assert code == 0, err
    assert telegram.webhook is not None
    assert telegram.webhook["url"] == "https://hooks.example.com/notifier/telegram/webhook"

    code, out, err = await run_here(monkeypatch, env, "webhook", "info")
    assert code == 0, err
    assert json.loads(out)["url"] == "https://hooks.example.com/notifier/telegram/webhook"

    code, out, err = await run_here(monkeypatch, env, "webhook", "delete")
    assert code == 0, err
    assert "Webhook was deleted" in out
    assert telegram.webhook is None


@pytest.mark.parametrize(
    ("more", "args", "says"),
    [
        (
            {"NOTIFIER_TELEGRAM_BOT_TOKEN": ""},
            ("webhook", "info"),
            "NOTIFIER_TELEGRAM_BOT_TOKEN: is required",
        ),
        (
            {"NOTIFIER_TELEGRAM_BOT_TOKEN": "not a token"},
            ("webhook", "info"),
            "NOTIFIER_TELEGRAM_BOT_TOKEN: must be a bot token",
        ),
        ({"NOTIFIER_TELEGRAM_WEBHOOK_SECRET": ""}, ("webhook", "set"), "SECRET: is required"),
        ({"NOTIFIER_PUBLIC_BASE_URL": ""}, ("webhook", "set"), "no URL: pass --url"),
        (
            OFFICIAL,
            ("webhook", "set", "--url", "http://reports.example.com"),
            "must be an https://",
        ),
        ({}, ("webhook", "set", "--url", "https://x.example.com/?a=1"), "no query or fragment"),
        ({}, ("webhook", "set", "--url", "ftp://x.example.com"), "must be an https://"),
        (OFFICIAL, ("webhook", "set", "--url", "https://x.example.com:9000"), "ports 443, 80, 88"),
        ({"NOTIFIER_TELEGRAM_UPDATES": "polling"}, ("webhook", "set"), "is polling"),
    ],
)
async def test_a_bad_setting_or_url_is_named_and_nothing_is_sent(
    telegram: FakeTelegram,
    monkeypatch: pytest.MonkeyPatch,
    more: dict[str, str],
    args: tuple[str, ...],
    says: str,
) -> None:
    env = command_env(telegram, **more)
    code, out, err = await run_here(monkeypatch, env, *args)
    assert code == 2
    assert says in err
    assert telegram.webhook_calls == [] and out == ""


async def test_what_telegram_refuses_is_exit_code_1_with_its_answer(
    telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A self-hosted Bot API (not Telegram's) may take http: the fake refuses it, as
    # Telegram's own would.
    code, _, err = await run_here(
        monkeypatch, command_env(telegram), "webhook", "set", "--url", "http://x.example.com"
    )
    assert code == 1
    assert "HTTPS url must be provided for webhook" in err

    wrong = command_env(telegram, NOTIFIER_TELEGRAM_BOT_TOKEN="654321:wrong")
    code, _, err = await run_here(monkeypatch, wrong, "webhook", "info")
    assert code == 1
    assert "unauthorized: getWebhookInfo: HTTP 401: Unauthorized" in err
    assert "654321:wrong" not in err
