"""`python -m walletreports.notifier telegram webhook set|info|delete`: tell Telegram where
the bot's updates go (NOTIFIER_TELEGRAM_UPDATES=webhook), and ask it what it has.

- `set [--url BASE]`: setWebhook to `<BASE>/telegram/webhook` (BASE: --url, else
  NOTIFIER_PUBLIC_BASE_URL, which must then route /telegram/webhook to the notifier),
  with secret_token NOTIFIER_TELEGRAM_WEBHOOK_SECRET (the route refuses any update
  without it) and allowed_updates ["message"]; prints Telegram's answer and then
  getWebhookInfo. Refused while NOTIFIER_TELEGRAM_UPDATES=polling: getUpdates fails
  with 409 while a webhook is set (switch the setting first, then set the webhook).
- `info`: getWebhookInfo as JSON (url, pending_update_count, last_error_message ...).
- `delete [--drop-pending-updates]`: deleteWebhook (a polling notifier does this
  itself at start; the waiting updates are kept unless asked).

Reads NOTIFIER_TELEGRAM_BOT_TOKEN, NOTIFIER_TELEGRAM_API_URL, and for `set`
NOTIFIER_TELEGRAM_WEBHOOK_SECRET, NOTIFIER_PUBLIC_BASE_URL and NOTIFIER_TELEGRAM_UPDATES;
nothing else (no database). Exit codes: 0 done, 1 Telegram refused or could not be
reached (one line saying what it answered), 2 a bad setting or URL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Literal, TextIO
from urllib.parse import urlsplit

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from walletreports.kit.settings import describe

from ..adapters.telegram_bot_api import BotApi, BotApiError
from ..settings import TELEGRAM_API_URL, BaseUrl, BotToken, WebhookSecret
from .http.telegram import WEBHOOK_PATH
from .telegram_polling import ALLOWED_UPDATES

PROG = "python -m walletreports.notifier telegram"
# The ports Telegram's own Bot API delivers webhooks to (a self-hosted Bot API server
# takes any port, and plain http).
TELEGRAM_WEBHOOK_PORTS = (443, 80, 88, 8443)


class CommandSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    bot_token: BotToken | None = Field(None, validation_alias="NOTIFIER_TELEGRAM_BOT_TOKEN")
    api_url: BaseUrl = Field(TELEGRAM_API_URL, validation_alias="NOTIFIER_TELEGRAM_API_URL")
    webhook_secret: WebhookSecret | None = Field(
        None, validation_alias="NOTIFIER_TELEGRAM_WEBHOOK_SECRET"
    )
    # No development default here: Telegram cannot reach http://127.0.0.1:8000.
    public_base_url: BaseUrl | None = Field(None, validation_alias="NOTIFIER_PUBLIC_BASE_URL")
    updates: Literal["webhook", "polling"] = Field(
        "webhook", validation_alias="NOTIFIER_TELEGRAM_UPDATES"
    )


class BadSetting(Exception):
    """A setting or an argument the command cannot work with (exit code 2)."""


def webhook_url(base: str, *, official_api: bool) -> str:
    """`<base>/telegram/webhook` (base as given when it ends so already), checked as
    Telegram checks it: https, a host, no query or fragment; on Telegram's own Bot API
    one of its ports."""
    base = base.strip().rstrip("/")
    url = base if base.endswith(WEBHOOK_PATH) else f"{base}{WEBHOOK_PATH}"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise BadSetting(f"the webhook URL {url!r} is not a URL ({error})") from None
    schemes = ("https",) if official_api else ("https", "http")
    if parts.scheme not in schemes or not parts.hostname or " " in url:
        raise BadSetting(
            f"the webhook URL {url!r} must be an https:// URL with a host"
            " (Telegram delivers updates over HTTPS only)"
        )
    if parts.query or parts.fragment:
        raise BadSetting(f"the webhook URL {url!r} must have no query or fragment")
    if official_api and port is not None and port not in TELEGRAM_WEBHOOK_PORTS:
        raise BadSetting(
            f"the webhook URL {url!r}: Telegram delivers to ports 443, 80, 88 or 8443 only"
        )
    return url


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="The Telegram bot's webhook.")
    topics = parser.add_subparsers(dest="topic", required=True)
    webhook = topics.add_parser("webhook", help="where Telegram sends the bot's updates")
    actions = webhook.add_subparsers(dest="action", required=True)
    set_ = actions.add_parser("set", help="setWebhook to <base>/telegram/webhook")
    set_.add_argument(
        "--url",
        help="the notifier's public base URL (default NOTIFIER_PUBLIC_BASE_URL)",
    )
    actions.add_parser("info", help="getWebhookInfo")
    delete = actions.add_parser("delete", help="deleteWebhook")
    delete.add_argument(
        "--drop-pending-updates",
        action="store_true",
        help="also drop the updates waiting on Telegram's side",
    )
    return parser


async def _set(api: BotApi, url: str, secret: str, out: TextIO) -> None:
    answer = await api.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
    print(
        f"setWebhook {url} (allowed_updates: {', '.join(ALLOWED_UPDATES)}, secret_token set)",
        file=out,
    )
    print(f"Telegram: {answer.description or answer.result}", file=out)
    await _info(api, out)


async def _info(api: BotApi, out: TextIO) -> None:
    info = await api.webhook_info()
    print(json.dumps(info, indent=2, sort_keys=True), file=out)


async def _delete(api: BotApi, drop_pending_updates: bool, out: TextIO) -> None:
    answer = await api.delete_webhook(drop_pending_updates=drop_pending_updates)
    print(f"Telegram: {answer.description or answer.result}", file=out)


def _check(args: argparse.Namespace, settings: CommandSettings) -> tuple[str, str] | None:
    """For `set`: the webhook URL and the secret; raises BadSetting."""
    if args.action != "set":
        return None
    if settings.updates == "polling":
        raise BadSetting(
            "NOTIFIER_TELEGRAM_UPDATES is polling: with a webhook set, getUpdates fails"
            " (409) until the poller's next start removes it; switch to webhook first"
        )
    if settings.webhook_secret is None:
        raise BadSetting(
            "NOTIFIER_TELEGRAM_WEBHOOK_SECRET: is required to set the webhook"
            " (the notifier refuses every update without it)"
        )
    base = args.url or settings.public_base_url
    if not base:
        raise BadSetting("no URL: pass --url, or set NOTIFIER_PUBLIC_BASE_URL")
    official = settings.api_url == TELEGRAM_API_URL
    return webhook_url(base, official_api=official), settings.webhook_secret.get_secret_value()


async def _run(
    args: argparse.Namespace, settings: CommandSettings, target: tuple[str, str] | None
) -> None:
    assert settings.bot_token is not None
    api = BotApi(settings.bot_token.get_secret_value(), settings.api_url)
    try:
        if target is not None:
            await _set(api, *target, out=sys.stdout)
        elif args.action == "info":
            await _info(api, sys.stdout)
        else:
            await _delete(api, args.drop_pending_updates, sys.stdout)
    finally:
        await api.close()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = CommandSettings()
        if settings.bot_token is None:
            raise BadSetting("NOTIFIER_TELEGRAM_BOT_TOKEN: is required but not set")
        target = _check(args, settings)
    except ValidationError as error:
        print(f"telegram: configuration error: {describe(CommandSettings, error)}", file=sys.stderr)
        return 2
    except BadSetting as error:
        print(f"telegram: {error}", file=sys.stderr)
        return 2
    try:
        asyncio.run(_run(args, settings, target))
    except BotApiError as error:
        print(f"telegram: Telegram did not do it: {error}", file=sys.stderr)
        return 1
    return 0
