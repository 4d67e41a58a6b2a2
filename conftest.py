# Real NATS and PostgreSQL fixtures for every package's tests, and a real Solana localnet
# (`localnet`, one per run, manual slot clock) for those that reach the chain.
pytest_plugins = [
    "walletreports.devkit.testing.pytest_plugin",
    "walletreports.localnet.pytest_plugin",
]
