"""Bad configuration stops a service at once with one line naming the variable."""

import os
import subprocess
import sys

import pytest

from walletreports.devstack.services import SERVICES

GOOD = {"NATS_URL": "nats://127.0.0.1:4222"}


def start(module: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {"PATH": os.environ["PATH"], **env}
    return subprocess.run([sys.executable, "-m", module, "serve"], env=clean, capture_output=True, text=True, timeout=60)


def assert_one_clear_line(result: subprocess.CompletedProcess[str], *names: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for name in names:
        assert name in lines[0]


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
def test_a_missing_database_url_is_named(service):
    result = start(service.module, GOOD)
    assert_one_clear_line(result, f"{service.env_prefix}_DATABASE_URL: is required but not set")


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"ORDERS_DATABASE_URL": "mysql://db/orders"}, "ORDERS_DATABASE_URL: must be a postgresql:// URL"),
        ({"ORDERS_DATABASE_URL": "not a url"}, "ORDERS_DATABASE_URL: must be a URL like postgresql://"),
        ({"ORDERS_DATABASE_URL": "postgresql://db/orders", "NATS_URL": "http://nats:4222"}, "NATS_URL: must be nats://host:port"),
        ({"ORDERS_DATABASE_URL": "postgresql://db/orders", "ORDERS_HTTP_PORT": "99999"}, "ORDERS_HTTP_PORT"),
        ({"ORDERS_DATABASE_URL": "postgresql://db/orders", "EVENT_NAMESPACE": "Bad Name"}, "EVENT_NAMESPACE"),
        ({"ORDERS_DATABASE_URL": "postgresql://db/orders", "ENVIRONMENT": "staging"}, "ENVIRONMENT"),
        (
            {"ORDERS_DATABASE_URL": "postgresql://db/orders", "ENVIRONMENT": "production"},
            "INTERNAL_TOKEN: must be set to a secret of at least 32 characters in production",
        ),
        (
            {"ORDERS_DATABASE_URL": "postgresql://db/orders", "ENVIRONMENT": "production", "INTERNAL_TOKEN": "short"},
            "INTERNAL_TOKEN: must be set to a secret of at least 32 characters in production",
        ),
    ],
)
def test_an_invalid_setting_is_named(env, named):
    assert_one_clear_line(start("walletreports.orders", {**GOOD, **env}), named)


def test_production_with_real_secrets_gets_past_configuration(monkeypatch):
    """The same checks let a correct production configuration through (it then fails
    later only because no database listens at the made-up address)."""
    from walletreports.kit.settings import load_settings
    from walletreports.orders.settings import OrdersSettings

    # monkeypatch restores whatever was set before (CI may set ENVIRONMENT itself).
    for key, value in {"ORDERS_DATABASE_URL": "postgresql://db/orders", "ENVIRONMENT": "production",
                       "INTERNAL_TOKEN": "x" * 40}.items():
        monkeypatch.setenv(key, value)
    settings = load_settings(OrdersSettings)
    assert settings.database_url == "postgresql+psycopg://db/orders"
