"""Config errors name the variable and may quote the value, but never a password in it."""

import pytest

from walletreports.devkit.testing.probe import ProbeSettings
from walletreports.kit.settings import ConfigError, load_settings


@pytest.mark.parametrize(
    ("env", "named", "quoted"),
    [
        (
            {"PROBE_DATABASE_URL": "orders:hunter2@db:5432/orders"},
            "PROBE_DATABASE_URL: must be a URL like",
            "***@db:5432/orders",
        ),
        (
            {
                "PROBE_DATABASE_URL": "postgresql://db/x",
                "NATS_URL": "http://user:hunter2@nats:4222",
            },
            "NATS_URL: must be nats://host:port",
            "http://***@nats:4222",
        ),
    ],
)
def test_a_bad_url_is_quoted_without_its_password(monkeypatch, env, named, quoted):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError) as info:
        load_settings(ProbeSettings)
    message = str(info.value)
    assert named in message and quoted in message
    assert "hunter2" not in message
