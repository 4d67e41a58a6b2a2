"""Reading Solana JSON-RPC params: positional values, then an optional config object."""

from __future__ import annotations

from typing import Any

from solders.hash import Hash
from solders.pubkey import Pubkey
from solders.signature import Signature

from ..chain import Chain, Commitment
from ..rpc_errors import MIN_CONTEXT_SLOT_NOT_REACHED, RpcError, invalid_params

API_VERSION = "2.2.0"

_COMMITMENT_ALIASES: dict[str, Commitment] = {
    "processed": "processed",
    "recent": "processed",
    "confirmed": "confirmed",
    "single": "confirmed",
    "singleGossip": "confirmed",
    "finalized": "finalized",
    "max": "finalized",
    "root": "finalized",
}


def positional(params: list, index: int, name: str) -> Any:
    if index >= len(params):
        raise invalid_params(f"Invalid params: missing `{name}`")
    return params[index]


def config_at(params: list, index: int) -> dict:
    if index >= len(params) or params[index] is None:
        return {}
    value = params[index]
    if not isinstance(value, dict):
        raise invalid_params("Invalid params: config must be an object")
    return value


def pubkey(value: Any) -> Pubkey:
    if not isinstance(value, str):
        raise invalid_params("Invalid param: expected a base58 pubkey string")
    try:
        return Pubkey.from_string(value)
    except ValueError as exc:
        raise invalid_params(f"Invalid param: {exc}") from exc


def signature(value: Any) -> str:
    if not isinstance(value, str):
        raise invalid_params("Invalid param: expected a base58 signature string")
    try:
        return str(Signature.from_string(value))
    except ValueError as exc:
        raise invalid_params(f"Invalid param: {exc}") from exc


def commitment(config: dict, default: Commitment = "finalized") -> Commitment:
    value = config.get("commitment")
    if value is None:
        return default
    found = _COMMITMENT_ALIASES.get(value) if isinstance(value, str) else None
    if found is None:
        raise invalid_params(f"Invalid params: unknown commitment {value!r}")
    return found


def blockhash(value: Any) -> Hash:
    if not isinstance(value, str):
        raise invalid_params("Invalid param: expected a base58 blockhash string")
    try:
        return Hash.from_string(value)
    except Exception as exc:  # solders.ParseHashError is not a ValueError
        raise invalid_params(f"Invalid param: {exc}") from exc


def integer(value: Any, name: str, *, minimum: int = 0, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise invalid_params(f"Invalid params: `{name}` must be an integer >= {minimum}")
    if maximum is not None and value > maximum:
        raise invalid_params(f"Invalid params: `{name}` must be at most {maximum}")
    return value


def context_slot(chain: Chain, config: dict, level: Commitment) -> int:
    """The slot a response reflects, enforcing minContextSlot like a node does."""
    slot = chain.slot_for(level)
    minimum = config.get("minContextSlot")
    if minimum is not None and slot < integer(minimum, "minContextSlot"):
        raise RpcError(MIN_CONTEXT_SLOT_NOT_REACHED, "Minimum context slot has not been reached",
                       {"contextSlot": slot})
    return slot


def with_context(slot: int, value: Any) -> dict:
    return {"context": {"apiVersion": API_VERSION, "slot": slot}, "value": value}
