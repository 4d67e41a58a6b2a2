"""Non-standard methods for driving the localnet from tools (the pay command, scripts).
Prefixed `localnet_` so they can never be mistaken for, or collide with, Solana methods."""

from __future__ import annotations

from ..chain import DEFAULT_DROP_DELAY, Chain
from ..genesis import test_wallets
from ..rpc_errors import invalid_params
from .params import integer, positional, signature
from .registry import rpc_method


# One call runs on the server's only thread; an unbounded count would stall it for good.
MAX_ADVANCE_SLOTS = 10_000


@rpc_method("localnet_advanceSlots")
def advance_slots(chain: Chain, params: list) -> int:
    count = integer(params[0] if params else 1, "count", minimum=1, maximum=MAX_ADVANCE_SLOTS)
    for _ in range(count):
        chain.advance_slot()
    return chain.slot


@rpc_method("localnet_dropTransaction")
def drop_transaction(chain: Chain, params: list) -> bool:
    sig = signature(positional(params, 0, "signature"))
    try:
        chain.drop_transaction(sig)
    except KeyError as exc:
        raise invalid_params("Invalid params: unknown signature") from exc
    except ValueError as exc:
        raise invalid_params(f"Invalid params: {exc}") from exc
    return True


@rpc_method("localnet_scheduleDrop")
def schedule_drop(chain: Chain, params: list) -> int:
    """Drop the transaction once it is N slots old (default 2: confirmed, not final)."""
    sig = signature(positional(params, 0, "signature"))
    after = integer(params[1], "afterSlots", minimum=1) if len(params) > 1 else DEFAULT_DROP_DELAY
    try:
        return chain.schedule_drop(sig, after)
    except KeyError as exc:
        raise invalid_params("Invalid params: unknown signature") from exc
    except ValueError as exc:
        raise invalid_params(f"Invalid params: {exc}") from exc


@rpc_method("localnet_info")
def info(chain: Chain, params: list) -> dict:
    return {
        "seed": chain.config.seed,
        "slot": chain.slot,
        "wallets": [str(w.pubkey()) for w in test_wallets(chain.config)],
        "mints": {m.symbol: str(m.address) for m in chain.config.mints},
        "faucet": str(chain.faucet),
    }
