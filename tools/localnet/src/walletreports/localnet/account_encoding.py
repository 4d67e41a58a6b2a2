"""Account data in the RPC encodings: binary (legacy base58), base58, base64,
base64+zstd and jsonParsed (SPL Token mints and accounts; anything else falls back to
base64 exactly as a node does)."""

from __future__ import annotations

import base64
from typing import Any

import base58
from solders.account import Account

from .programs import TOKEN_2022_PROGRAM
from .rpc_errors import invalid_params
from .token_layout import (
    ACCOUNT_STATES,
    is_mint,
    is_token_account,
    ui_token_amount,
    unpack_mint,
    unpack_token_account,
)

ENCODINGS = ("binary", "base58", "base64", "base64+zstd", "jsonParsed")
MAX_BASE58_BYTES = 128


def _unsigned(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _slice(data: bytes, data_slice: dict | None) -> bytes:
    if not data_slice:
        return data
    # A node takes unsigned integers only; a negative offset here would slice from the end.
    offset = data_slice.get("offset") if isinstance(data_slice, dict) else None
    length = data_slice.get("length") if isinstance(data_slice, dict) else None
    if not (_unsigned(offset) and _unsigned(length)):
        raise invalid_params("Invalid param: dataSlice needs integer offset and length >= 0")
    return data[offset : offset + length]


def _key(value) -> str | None:
    return str(value) if value is not None else None


def parse_token_data(account: Account, data: bytes, decimals_of) -> dict | None:
    """The jsonParsed form of a mint or token account, or None if it is neither."""
    owner = account.owner
    program = "spl-token-2022" if owner == TOKEN_2022_PROGRAM else "spl-token"
    if is_token_account(owner, data):
        state = unpack_token_account(data)
        info: dict[str, Any] = {
            "isNative": state.is_native is not None,
            "mint": str(state.mint),
            "owner": str(state.owner),
            "state": ACCOUNT_STATES.get(state.state, "uninitialized"),
            "tokenAmount": ui_token_amount(state.amount, decimals_of(state.mint)),
        }
        if state.delegate is not None:
            info["delegate"] = str(state.delegate)
            info["delegatedAmount"] = ui_token_amount(
                state.delegated_amount, decimals_of(state.mint)
            )
        if state.is_native is not None:
            info["rentExemptReserve"] = ui_token_amount(state.is_native, 9)
        if state.close_authority is not None:
            info["closeAuthority"] = str(state.close_authority)
        parsed = {"info": info, "type": "account"}
    elif is_mint(owner, data):
        mint = unpack_mint(data)
        parsed = {
            "info": {
                "decimals": mint.decimals,
                "freezeAuthority": _key(mint.freeze_authority),
                "isInitialized": mint.is_initialized,
                "mintAuthority": _key(mint.mint_authority),
                "supply": str(mint.supply),
            },
            "type": "mint",
        }
    else:
        return None
    return {"program": program, "parsed": parsed, "space": len(data)}


def encode_data(
    account: Account, encoding: str, data_slice: dict | None, decimals_of
) -> Any:
    data = bytes(account.data)
    if encoding == "jsonParsed":
        parsed = parse_token_data(account, data, decimals_of)
        if parsed is not None:
            return parsed
        encoding = "base64"
    data = _slice(data, data_slice)
    if encoding in ("binary", "base58") and len(data) > MAX_BASE58_BYTES:
        # As on a node, the limit is on what is returned: a dataSlice can bring it under.
        raise invalid_params(f"Encoded binary (base 58) data should be less than "
                             f"{MAX_BASE58_BYTES} bytes, please use Base64 encoding.")
    if encoding == "base64":
        return [base64.b64encode(data).decode(), "base64"]
    if encoding == "base58":
        return [base58.b58encode(data).decode(), "base58"]
    if encoding == "binary":
        return base58.b58encode(data).decode()
    if encoding == "base64+zstd":
        try:
            import zstandard
        except ImportError as exc:
            raise invalid_params("Invalid params: base64+zstd is not supported here") from exc
        compressed = zstandard.ZstdCompressor().compress(data)
        return [base64.b64encode(compressed).decode(), "base64+zstd"]
    raise invalid_params(f"Invalid params: unknown encoding {encoding!r}")


def encode_account(
    account: Account, encoding: str, data_slice: dict | None, decimals_of
) -> dict:
    return {
        "data": encode_data(account, encoding, data_slice, decimals_of),
        "executable": account.executable,
        "lamports": account.lamports,
        "owner": str(account.owner),
        "rentEpoch": account.rent_epoch,
        "space": len(account.data),
    }
