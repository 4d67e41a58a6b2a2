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
