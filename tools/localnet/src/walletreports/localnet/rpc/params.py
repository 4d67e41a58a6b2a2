"""Reading Solana JSON-RPC params: positional values, then an optional config object."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from solders.hash import Hash
from solders.pubkey import Pubkey
from solders.signature import Signature

from ..account_encoding import ENCODINGS
from ..chain import Chain, Commitment
from ..rpc_errors import MIN_CONTEXT_SLOT_NOT_REACHED, RpcError, invalid_params

API_VERSION = "2.2.0"

T = TypeVar("T")

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


def _base58(value: Any, parse: Callable[[str], T], what: str) -> T:
    if not isinstance(value, str):
        raise invalid_params(f"Invalid param: expected a base58 {what} string")
    try:
        return parse(value)
    except Exception as exc:  # solders' parse errors are not all ValueError
        raise invalid_params(f"Invalid param: {exc}") from exc


def pubkey(value: Any) -> Pubkey:
    return _base58(value, Pubkey.from_string, "pubkey")


def signature(value: Any) -> str:
    return str(_base58(value, Signature.from_string, "signature"))


def blockhash(value: Any) -> Hash:
    return _base58(value, Hash.from_string, "blockhash")


def array(value: Any, name: str, maximum: int, *, items: str = "inputs") -> list:
    """A list param of at most `maximum` entries, refused with a node's messages."""
    if not isinstance(value, list):
        raise invalid_params(f"Invalid params: {name} must be an array")
    if len(value) > maximum:
        raise invalid_params(f"Too many {items} provided; max {maximum}")
    return value


def account_encoding(config: dict, default: str) -> str:
    """The account data encoding a config asks for (one of account_encoding.ENCODINGS)."""
    encoding = config.get("encoding") or default
    if not isinstance(encoding, str) or encoding not in ENCODINGS:
        raise invalid_params(f"Invalid params: unknown encoding {encoding!r}")
    return encoding


def commitment(config: dict, default: Commitment = "finalized") -> Commitment:
    value = config.get("commitment")
    if value is None:
        return default
    found = _COMMITMENT_ALIASES.get(value) if isinstance(value, str) else None
    if found is None:
        raise invalid_params(f"Invalid params: unknown commitment {value!r}")
    return found


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
