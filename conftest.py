# Real NATS and PostgreSQL fixtures for every package's tests.
pytest_plugins = ["walletreports.kit.testing.pytest_plugin"]
