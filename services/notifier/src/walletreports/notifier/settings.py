"""The notifier service's configuration, from the environment only.

Besides the kit's shared variables, NOTIFIER_DATABASE_URL and NOTIFIER_HTTP_PORT (8004):

- NOTIFIER_PUBLIC_BASE_URL (http://127.0.0.1:8000; required in production): the product's
  public address (web), which every link in a notification starts with.
- NOTIFIER_EMAIL_FROM ("Wallet Reports <reports@localhost>"; required in production),
  NOTIFIER_EMAIL_REPLY_TO (unset): the From and Reply-To of every email; Message-IDs
  use the From address's domain.
- NOTIFIER_STAFF_EMAILS (empty): comma-separated addresses that get staff alerts.
- NOTIFIER_EMAIL_BACKEND (`smtp`): `smtp`, or `console` (development: emails are
  printed to standard output; refused in production, it prints one-time links).
- NOTIFIER_SMTP_HOST (localhost), NOTIFIER_SMTP_PORT (25, 587 with starttls, 465 with
  tls), NOTIFIER_SMTP_SECURITY (`starttls`; `none` or `tls`), NOTIFIER_SMTP_USERNAME,
  NOTIFIER_SMTP_PASSWORD (unset: no auth), NOTIFIER_SMTP_TIMEOUT_SECONDS (10),
  NOTIFIER_SMTP_VALIDATE_CERTS (true), NOTIFIER_SMTP_KEEP_OPEN_SECONDS (10; 0: a new
  connection for every message): how long a connection is kept open for the next
  message (a TLS handshake and login per message cost more than the message).
- NOTIFIER_SEND_MAX_ATTEMPTS (8), NOTIFIER_SEND_RETRY_SECONDS (5),
  NOTIFIER_SEND_RETRY_MAX_SECONDS (600): a send that certainly failed (server away, 4xx,
  timeout) is tried again after 5 s, 10 s, 20 s ... at most 10 min, then `failed`.
- NOTIFIER_SEND_CONCURRENCY (32): sends under way at once, all channels together. A
  send mostly waits on the other side (an SMTP conversation is six round trips), so
  more at once is more per second; 32 stays under the connections a mail server
  usually allows one client (Postfix: 50).
- NOTIFIER_MAX_EVENT_AGE_HOURS (72): older events are recorded as skipped, not sent (a
  new consumer replaying the stream must not mail two weeks of history).
- NOTIFIER_SUBSCRIPTION_REMINDER_DAYS (3): how long before its end a subscription's
  reminder goes out.
- NOTIFIER_TELEGRAM_BOT_TOKEN (unset: the Telegram channel is off; as BotFather gives
  it, `<bot id>:<secret>`), NOTIFIER_TELEGRAM_BOT_USERNAME (required with a token: the
  deep link https://t.me/<bot>?start=<token>), NOTIFIER_TELEGRAM_API_URL
  (https://api.telegram.org), NOTIFIER_TELEGRAM_LINK_TTL_MINUTES (30): how long a deep
  link's one-time token is good for.
- NOTIFIER_TELEGRAM_UPDATES (`webhook`): how the bot's updates arrive. `webhook`:
  Telegram POSTs them to /telegram/webhook, which needs NOTIFIER_TELEGRAM_WEBHOOK_SECRET
  (Telegram's X-Telegram-Bot-Api-Secret-Token; register it with `python -m
  walletreports.notifier telegram webhook set`). `polling`: one replica asks getUpdates
  (no public URL needed, no secret; the webhook route answers 404),
  NOTIFIER_TELEGRAM_POLL_TIMEOUT_SECONDS (30) long, and waits
  NOTIFIER_TELEGRAM_POLL_RETRY_SECONDS (1, doubling to 60) after a failure.
- NOTIFIER_SLACK_WEBHOOK_URL (unset: no Slack): staff alerts also go to this incoming
  webhook.
- NOTIFIER_DEV_MAILBOX_DIR (unset): the dev SMTP sink's Maildir, listed by
  GET /admin/api/dev-mailbox (make dev sets it; unset, that route answers 404).
"""

from __future__ import annotations

import re
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, SecretStr, model_validator

from walletreports.kit import HttpPort, ServiceSettings

DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:8000"
DEFAULT_EMAIL_FROM = "Wallet Reports <reports@localhost>"
DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}
TELEGRAM_API_URL = "https://api.telegram.org"
# What Telegram accepts as a webhook's secret_token.
WEBHOOK_SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,256}")
# BotFather's tokens: the bot's numeric id, a colon, the secret part.
BOT_TOKEN_PATTERN = re.compile(r"\d+:[A-Za-z0-9_-]+")


def _address(value: str) -> str:
    address = parseaddr(value)[1]
    if "@" not in address or address.startswith("@") or address.endswith("@") or " " in address:
        raise ValueError(f"must be an email address like 'Name <name@example.com>', got {value!r}")
    return value.strip()


def _addresses(value: str) -> tuple[str, ...]:
    found = []
    for part in value.split(","):
        if part.strip():
            address = parseaddr(part.strip())[1]
            if "@" not in address or address.startswith("@") or address.endswith("@"):
                raise ValueError(f"{part.strip()!r} is not an email address")
            found.append(address)
    return tuple(dict.fromkeys(found))


def _base_url(value: str) -> str:
    value = value.strip().rstrip("/")
    scheme, sep, rest = value.partition("://")
    if scheme not in ("http", "https") or not sep or not rest or " " in rest:
        raise ValueError(
            f"must be an http(s):// URL like https://reports.example.com, got {value!r}"
        )
    return value


def _address_list(value: str) -> str:
    _addresses(value)
    return value


def _bot_token(value: SecretStr) -> SecretStr:
    token = value.get_secret_value()
    if not token.strip():
        raise ValueError("is empty (unset it to turn Telegram off)")
    if not BOT_TOKEN_PATTERN.fullmatch(token):
        # The value is a secret: the message never quotes it.
        raise ValueError("must be a bot token as BotFather gives it, like 123456:ABC-DEF...")
    return value


def _webhook_secret(value: SecretStr) -> SecretStr:
    if not WEBHOOK_SECRET_PATTERN.fullmatch(value.get_secret_value()):
        raise ValueError("must be 16-256 of A-Z a-z 0-9 _ - (what Telegram allows)")
    return value


def bot_id(token: str) -> int:
    """The bot's id: the part of its token before the colon (not secret: it is the bot's
    user id)."""
    return int(token.partition(":")[0])


EmailAddress = Annotated[str, AfterValidator(_address)]
EmailAddressList = Annotated[str, AfterValidator(_address_list)]
BaseUrl = Annotated[str, AfterValidator(_base_url)]
BotToken = Annotated[SecretStr, AfterValidator(_bot_token)]
WebhookSecret = Annotated[SecretStr, AfterValidator(_webhook_secret)]


class NotifierSettings(ServiceSettings, env_prefix="NOTIFIER_"):
    http_port: HttpPort = 8004
    public_base_url: BaseUrl = Field(
        DEFAULT_PUBLIC_BASE_URL, validation_alias="NOTIFIER_PUBLIC_BASE_URL"
    )
    email_from: EmailAddress = Field(DEFAULT_EMAIL_FROM, validation_alias="NOTIFIER_EMAIL_FROM")
    email_reply_to: EmailAddress | None = Field(None, validation_alias="NOTIFIER_EMAIL_REPLY_TO")
    staff_emails_text: EmailAddressList = Field("", validation_alias="NOTIFIER_STAFF_EMAILS")
    email_backend: Literal["smtp", "console"] = Field(
        "smtp", validation_alias="NOTIFIER_EMAIL_BACKEND"
    )
    smtp_host: str = Field(
        "localhost", validation_alias="NOTIFIER_SMTP_HOST", min_length=1, pattern=r"^[^\s/]+$"
    )
    smtp_port_value: HttpPort | None = Field(None, validation_alias="NOTIFIER_SMTP_PORT")
    smtp_security: Literal["none", "starttls", "tls"] = Field(
        "starttls", validation_alias="NOTIFIER_SMTP_SECURITY"
    )
    smtp_username: str | None = Field(None, validation_alias="NOTIFIER_SMTP_USERNAME")
    smtp_password: SecretStr | None = Field(None, validation_alias="NOTIFIER_SMTP_PASSWORD")
    smtp_timeout_seconds: float = Field(
        10.0, validation_alias="NOTIFIER_SMTP_TIMEOUT_SECONDS", gt=0, le=120
    )
    smtp_validate_certs: bool = Field(True, validation_alias="NOTIFIER_SMTP_VALIDATE_CERTS")
    smtp_keep_open_seconds: float = Field(
        10.0, validation_alias="NOTIFIER_SMTP_KEEP_OPEN_SECONDS", ge=0, le=300
    )
    send_max_attempts: int = Field(8, validation_alias="NOTIFIER_SEND_MAX_ATTEMPTS", ge=1, le=100)
    send_concurrency: int = Field(32, validation_alias="NOTIFIER_SEND_CONCURRENCY", ge=1, le=500)
    send_retry_seconds: float = Field(
        5.0, validation_alias="NOTIFIER_SEND_RETRY_SECONDS", ge=0.01, le=3600
    )
    send_retry_max_seconds: float = Field(
        600.0, validation_alias="NOTIFIER_SEND_RETRY_MAX_SECONDS", ge=0.01, le=86400
    )
    max_event_age_hours: float = Field(
        72.0, validation_alias="NOTIFIER_MAX_EVENT_AGE_HOURS", gt=0, le=24 * 365
    )
    subscription_reminder_days: float = Field(
        3.0, validation_alias="NOTIFIER_SUBSCRIPTION_REMINDER_DAYS", ge=0, le=365
    )
    dev_mailbox_dir: Path | None = Field(None, validation_alias="NOTIFIER_DEV_MAILBOX_DIR")
    telegram_bot_token: BotToken | None = Field(
        None, validation_alias="NOTIFIER_TELEGRAM_BOT_TOKEN"
    )
    telegram_bot_username: str | None = Field(
        None, validation_alias="NOTIFIER_TELEGRAM_BOT_USERNAME", pattern=r"^@?[A-Za-z0-9_]{3,64}$"
    )
    telegram_webhook_token: WebhookSecret | None = Field(
        None, validation_alias="NOTIFIER_TELEGRAM_WEBHOOK_SECRET"
    )
    telegram_api_url: BaseUrl = Field(
        TELEGRAM_API_URL, validation_alias="NOTIFIER_TELEGRAM_API_URL"
    )
    telegram_updates: Literal["webhook", "polling"] = Field(
        "webhook", validation_alias="NOTIFIER_TELEGRAM_UPDATES"
    )
    # Telegram holds a getUpdates this long when there is nothing to answer: longer is
    # fewer requests, but it must stay under whatever cuts idle connections on the way.
    telegram_poll_timeout_seconds: int = Field(
        30, validation_alias="NOTIFIER_TELEGRAM_POLL_TIMEOUT_SECONDS", ge=1, le=50
    )
    telegram_poll_retry_seconds: float = Field(
        1.0, validation_alias="NOTIFIER_TELEGRAM_POLL_RETRY_SECONDS", ge=0.01, le=60
    )
    telegram_link_ttl_minutes: float = Field(
        30.0, validation_alias="NOTIFIER_TELEGRAM_LINK_TTL_MINUTES", gt=0, le=24 * 60
    )
    slack_webhook_url: SecretStr | None = Field(None, validation_alias="NOTIFIER_SLACK_WEBHOOK_URL")

    @model_validator(mode="after")
    def _production_needs_its_own_addresses(self) -> NotifierSettings:
        if self.environment == "production":
            if self.public_base_url == DEFAULT_PUBLIC_BASE_URL:
                raise ValueError(
                    "NOTIFIER_PUBLIC_BASE_URL: must be set in production (links in mail)"
                )
            if self.email_from == DEFAULT_EMAIL_FROM:
                raise ValueError("NOTIFIER_EMAIL_FROM: must be set in production")
            if self.email_backend == "console":
                raise ValueError(
                    "NOTIFIER_EMAIL_BACKEND: console prints one-time links; not in production"
                )
        if self.telegram_bot_token is not None:
            if self.telegram_bot_username is None:
                raise ValueError(
                    "NOTIFIER_TELEGRAM_BOT_USERNAME: is required with NOTIFIER_TELEGRAM_BOT_TOKEN"
                )
            if self.telegram_updates == "webhook" and self.telegram_webhook_token is None:
                raise ValueError(
                    "NOTIFIER_TELEGRAM_WEBHOOK_SECRET: is required with NOTIFIER_TELEGRAM_BOT_TOKEN"
                    " (16-256 of A-Z a-z 0-9 _ -, as Telegram allows) unless"
                    " NOTIFIER_TELEGRAM_UPDATES=polling"
                )
        elif self.telegram_updates == "polling":
            raise ValueError(
                "NOTIFIER_TELEGRAM_UPDATES: polling needs NOTIFIER_TELEGRAM_BOT_TOKEN (no bot to poll)"
            )
        slack = self.slack_webhook_url
        if slack is not None and not slack.get_secret_value().startswith(("https://", "http://")):
            raise ValueError("NOTIFIER_SLACK_WEBHOOK_URL: must be an http(s):// URL")
        if self.smtp_username is not None and self.smtp_password is None:
            raise ValueError("NOTIFIER_SMTP_PASSWORD: is required with NOTIFIER_SMTP_USERNAME")
        return self

    @property
    def staff_emails(self) -> tuple[str, ...]:
        return _addresses(self.staff_emails_text)

    @property
    def smtp_port(self) -> int:
        return self.smtp_port_value or DEFAULT_PORTS[self.smtp_security]

    @property
    def max_event_age(self) -> timedelta:
        return timedelta(hours=self.max_event_age_hours)

    @property
    def telegram_link_ttl(self) -> timedelta:
        return timedelta(minutes=self.telegram_link_ttl_minutes)

    @property
    def telegram_bot_id(self) -> int | None:
        """The bot's own id, the token's public part (its updates' offset is kept by it)."""
        token = self.telegram_bot_token
        return None if token is None else bot_id(token.get_secret_value())

    @property
    def subscription_reminder(self) -> timedelta:
        return timedelta(days=self.subscription_reminder_days)
