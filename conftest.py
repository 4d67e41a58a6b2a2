# Real NATS and PostgreSQL fixtures for every package's tests.
pytest_plugins = ["walletreports.devkit.testing.pytest_plugin"]
