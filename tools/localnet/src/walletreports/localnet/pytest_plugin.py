"""pytest fixtures for tests that need a Solana cluster.

Enable with `pytest_plugins = ["walletreports.localnet.pytest_plugin"]` in a conftest.py.
`localnet` is session-scoped (one chain for the whole run, manual slot clock); tests
should use fresh recipients/references so they do not see each other's payments.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .testing import Localnet, localnet as start_localnet


@pytest.fixture(scope="session")
def localnet() -> Iterator[Localnet]:
    with start_localnet() as net:
        yield net
