# Real NATS and PostgreSQL fixtures for every package's tests, a real Solana localnet
# (`localnet`, one per run, manual slot clock) for those that reach the chain, and the
# Dune API emulator (`dune_emulator`, reset per test) for those that reach Dune.
pytest_plugins = [
    "walletreports.devkit.testing.pytest_plugin",
    "walletreports.localnet.pytest_plugin",
    "walletreports.dune_emulator.pytest_plugin",
]
