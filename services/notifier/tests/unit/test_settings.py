"""NOTIFIER_* settings: defaults for development, what production insists on, and a bad
value named in one line."""

from __future__ import annotations

import os

import pytest

from walletreports.kit import ConfigError, load_settings
from walletreports.notifier.settings import NotifierSettings

BASE = {"NOTIFIER_DATABASE_URL": "postgresql://db/notifier"}
PRODUCTION = {**BASE, "ENVIRONMENT": "production", "INTERNAL_TOKEN": "x" * 40}


def load(monkeypatch, **env: str) -> NotifierSettings:
    for key in list(os.environ):
        if key.startswith("NOTIFIER_") or key in ("ENVIRONMENT", "INTERNAL_TOKEN"):
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return load_settings(NotifierSettings)


def test_development_defaults(monkeypatch):
    settings = load(monkeypatch, **BASE)
    assert settings.http_port == 8004
    assert settings.public_base_url == "http://127.0.0.1:8000"
    assert (settings.email_backend, settings.smtp_host, settings.smtp_security) == (
        "smtp",
        "localhost",
        "starttls",
    )
    assert settings.smtp_port == 587
    assert settings.staff_emails == ()
    assert settings.dev_mailbox_dir is None


def test_smtp_port_follows_the_security_unless_given(monkeypatch):
    assert load(monkeypatch, **BASE, NOTIFIER_SMTP_SECURITY="tls").smtp_port == 465
    assert load(monkeypatch, **BASE, NOTIFIER_SMTP_SECURITY="none").smtp_port == 25
    assert load(monkeypatch, **BASE, NOTIFIER_SMTP_PORT="2525").smtp_port == 2525


def test_staff_emails_are_a_comma_separated_list(monkeypatch):
    settings = load(
        monkeypatch,
        **BASE,
        NOTIFIER_STAFF_EMAILS=" ops@example.com, Finance <fin@example.com>,ops@example.com ",
    )
    assert settings.staff_emails == ("ops@example.com", "fin@example.com")


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"NOTIFIER_STAFF_EMAILS": "ops@example.com, nobody"}, "NOTIFIER_STAFF_EMAILS"),
        ({"NOTIFIER_PUBLIC_BASE_URL": "reports.example.com"}, "NOTIFIER_PUBLIC_BASE_URL"),
        ({"NOTIFIER_EMAIL_FROM": "Wallet Reports"}, "NOTIFIER_EMAIL_FROM"),
        ({"NOTIFIER_SMTP_SECURITY": "ssl"}, "NOTIFIER_SMTP_SECURITY"),
        ({"NOTIFIER_EMAIL_BACKEND": "sendgrid"}, "NOTIFIER_EMAIL_BACKEND"),
        ({"NOTIFIER_SMTP_USERNAME": "mailer"}, "NOTIFIER_SMTP_PASSWORD: is required"),
    ],
)
def test_a_bad_value_is_named(monkeypatch, env, named):
    with pytest.raises(ConfigError, match=named):
        load(monkeypatch, **BASE, **env)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({}, "NOTIFIER_PUBLIC_BASE_URL: must be set in production"),
        (
            {"NOTIFIER_PUBLIC_BASE_URL": "https://reports.example.com"},
            "NOTIFIER_EMAIL_FROM: must be set",
        ),
        (
            {
                "NOTIFIER_PUBLIC_BASE_URL": "https://reports.example.com",
                "NOTIFIER_EMAIL_FROM": "Wallet Reports <reports@example.com>",
                "NOTIFIER_EMAIL_BACKEND": "console",
            },
            "NOTIFIER_EMAIL_BACKEND: console prints one-time links",
        ),
    ],
)
def test_production_insists_on_its_own_addresses_and_a_real_backend(monkeypatch, env, named):
    with pytest.raises(ConfigError, match=named):
        load(monkeypatch, **PRODUCTION, **env)


def test_a_production_configuration_loads(monkeypatch):
    settings = load(
        monkeypatch,
        **PRODUCTION,
        NOTIFIER_PUBLIC_BASE_URL="https://reports.example.com/",
        NOTIFIER_EMAIL_FROM="Wallet Reports <reports@example.com>",
        NOTIFIER_SMTP_HOST="smtp.example.com",
        NOTIFIER_SMTP_USERNAME="mailer",
        NOTIFIER_SMTP_PASSWORD="secret",
    )
    assert settings.public_base_url == "https://reports.example.com"
    assert settings.smtp_password is not None and "secret" not in repr(settings)


TELEGRAM = {
    "NOTIFIER_TELEGRAM_BOT_TOKEN": "123456:ABC-def_ghi",
    "NOTIFIER_TELEGRAM_BOT_USERNAME": "@wallet_reports_bot",
}
SECRET = {"NOTIFIER_TELEGRAM_WEBHOOK_SECRET": "s" * 16}


def test_telegram_is_off_by_default_and_takes_its_updates_by_webhook(monkeypatch):
    settings = load(monkeypatch, **BASE)
    assert settings.telegram_bot_token is None and settings.telegram_bot_id is None
    assert settings.telegram_updates == "webhook"
    assert (settings.telegram_poll_timeout_seconds, settings.telegram_poll_retry_seconds) == (
        30,
        1.0,
    )


def test_the_webhook_needs_its_secret(monkeypatch):
    with pytest.raises(ConfigError, match="NOTIFIER_TELEGRAM_WEBHOOK_SECRET: is required"):
        load(monkeypatch, **BASE, **TELEGRAM)
    settings = load(monkeypatch, **BASE, **TELEGRAM, **SECRET)
    assert settings.telegram_bot_id == 123456
    assert "ABC-def" not in repr(settings) and "s" * 16 not in repr(settings)


def test_polling_needs_no_secret_nor_public_url(monkeypatch):
    settings = load(
        monkeypatch,
        **BASE,
        **TELEGRAM,
        NOTIFIER_TELEGRAM_UPDATES="polling",
        NOTIFIER_TELEGRAM_POLL_TIMEOUT_SECONDS="50",
        NOTIFIER_TELEGRAM_POLL_RETRY_SECONDS="0.5",
    )
    assert settings.telegram_updates == "polling"
    assert settings.telegram_webhook_token is None
    assert (settings.telegram_poll_timeout_seconds, settings.telegram_poll_retry_seconds) == (
        50,
        0.5,
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"NOTIFIER_TELEGRAM_UPDATES": "push"}, "NOTIFIER_TELEGRAM_UPDATES"),
        ({"NOTIFIER_TELEGRAM_POLL_TIMEOUT_SECONDS": "0"}, "NOTIFIER_TELEGRAM_POLL_TIMEOUT_SECONDS"),
        (
            {"NOTIFIER_TELEGRAM_POLL_TIMEOUT_SECONDS": "51"},
            "NOTIFIER_TELEGRAM_POLL_TIMEOUT_SECONDS",
        ),
        (
            {"NOTIFIER_TELEGRAM_POLL_TIMEOUT_SECONDS": "2.5"},
            "NOTIFIER_TELEGRAM_POLL_TIMEOUT_SECONDS",
        ),
        ({"NOTIFIER_TELEGRAM_POLL_RETRY_SECONDS": "0"}, "NOTIFIER_TELEGRAM_POLL_RETRY_SECONDS"),
        ({"NOTIFIER_TELEGRAM_POLL_RETRY_SECONDS": "61"}, "NOTIFIER_TELEGRAM_POLL_RETRY_SECONDS"),
        (
            {"NOTIFIER_TELEGRAM_BOT_TOKEN": "not-a-token"},
            "NOTIFIER_TELEGRAM_BOT_TOKEN: must be a bot token",
        ),
        ({"NOTIFIER_TELEGRAM_BOT_TOKEN": " "}, "NOTIFIER_TELEGRAM_BOT_TOKEN: is empty"),
        # Polling needs no secret, but one given must be one Telegram takes: the
        # `telegram webhook set` command sends it, and a bad one is said at start.
        (
            {"NOTIFIER_TELEGRAM_WEBHOOK_SECRET": "too-short"},
            "NOTIFIER_TELEGRAM_WEBHOOK_SECRET: must be 16-256",
        ),
        (
            {"NOTIFIER_TELEGRAM_WEBHOOK_SECRET": "has spaces in it, sixteen+"},
            "NOTIFIER_TELEGRAM_WEBHOOK_SECRET: must be 16-256",
        ),
        ({"NOTIFIER_TELEGRAM_BOT_USERNAME": "no"}, "NOTIFIER_TELEGRAM_BOT_USERNAME"),
    ],
)
def test_a_bad_telegram_value_is_named(monkeypatch, env, named):
    values = {**TELEGRAM, "NOTIFIER_TELEGRAM_UPDATES": "polling", **env}
    with pytest.raises(ConfigError, match=named):
        load(monkeypatch, **BASE, **values)


def test_polling_without_a_bot_is_refused(monkeypatch):
    with pytest.raises(ConfigError, match="NOTIFIER_TELEGRAM_UPDATES: polling needs"):
        load(monkeypatch, **BASE, NOTIFIER_TELEGRAM_UPDATES="polling")
