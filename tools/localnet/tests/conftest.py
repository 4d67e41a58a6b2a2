from collections.abc import Iterator

import pytest
from solana.rpc.async_api import AsyncClient

from walletreports.localnet.testing import Localnet, localnet as start_localnet


@pytest.fixture(scope="session")
def net() -> Iterator[Localnet]:
    """One localnet for the module run: manual slot clock, free ports."""
    with start_localnet() as running:
        yield running


@pytest.fixture
async def client(net: Localnet):
    async with AsyncClient(net.rpc_url) as rpc:
        yield rpc
