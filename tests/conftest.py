"""What a service of the stack needs from outside to be ready in a cross-service test,
beside NATS and PostgreSQL: payments a Solana node to read (the localnet), dune_runner a
Dune that knows its queries (the emulator, with the query ids dev_env names)."""

from collections.abc import Callable

import pytest

from walletreports.devstack.infrastructure import reserve_query_ids
from walletreports.devstack.services import ServiceEntry


@pytest.fixture
def outside_env(localnet, dune_emulator) -> Callable[[ServiceEntry], dict[str, str]]:
    def env_for(entry: ServiceEntry) -> dict[str, str]:
        if entry.name == "payments":
            return {"SOLANA_RPC_URL": localnet.rpc_url}
        if entry.name == "dune_runner":
            ids = entry.dev_env["DUNE_RUNNER_QUERY_IDS"]
            reserve_query_ids(dune_emulator.base_url, dune_emulator.api_key, ids)
            return {"DUNE_API_BASE_URL": dune_emulator.base_url}
        return {}

    return env_for
