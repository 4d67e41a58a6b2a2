"""Byte layouts of SPL Token mints and token accounts (shared by both token programs).

The localnet writes these at genesis and reads them to compute token balances and the
jsonParsed account encoding, so it needs the layout without a round trip through a client.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from solders.pubkey import Pubkey

from .programs import TOKEN_PROGRAMS

MINT_SIZE = 82
TOKEN_ACCOUNT_SIZE = 165
# Token-2022 appends an account-type byte at offset 165 when extensions follow.
_ACCOUNT_TYPE_OFFSET = 165
_ACCOUNT_TYPE_MINT = 1
_ACCOUNT_TYPE_ACCOUNT = 2

_MINT = struct.Struct("<I32sQBBI32s")
_ACCOUNT = struct.Struct("<32s32sQI32sBIQQI32s")

ACCOUNT_STATES = {0: "uninitialized", 1: "initialized", 2: "frozen"}


@dataclass(frozen=True, slots=True)
class MintState:
    mint_authority: Pubkey | None
    supply: int
    decimals: int
    is_initialized: bool
    freeze_authority: Pubkey | None


@dataclass(frozen=True, slots=True)
class TokenAccountState:
    mint: Pubkey
    owner: Pubkey
    amount: int
    delegate: Pubkey | None
    state: int
    is_native: int | None  # rent-exempt reserve for wrapped SOL accounts
    delegated_amount: int
    close_authority: Pubkey | None


def _option_key(tag: int, raw: bytes) -> Pubkey | None:
    return Pubkey(raw) if tag else None


def pack_mint(
    decimals: int,
    supply: int,
    mint_authority: Pubkey | None,
    freeze_authority: Pubkey | None = None,
) -> bytes:
    return _MINT.pack(
        1 if mint_authority else 0,
        bytes(mint_authority) if mint_authority else bytes(32),
        supply,
        decimals,
        1,
        1 if freeze_authority else 0,
        bytes(freeze_authority) if freeze_authority else bytes(32),
    )


def pack_token_account(mint: Pubkey, owner: Pubkey, amount: int) -> bytes:
    return _ACCOUNT.pack(bytes(mint), bytes(owner), amount, 0, bytes(32), 1, 0, 0, 0, 0, bytes(32))


def _is_kind(owner: Pubkey, data: bytes, base_size: int, account_type: int) -> bool:
    # The base layout's exact size, or a Token-2022 layout with extensions tagged by type.
    if owner not in TOKEN_PROGRAMS:
        return False
    size = len(data)
    return size == base_size or (
        size > _ACCOUNT_TYPE_OFFSET and data[_ACCOUNT_TYPE_OFFSET] == account_type
    )


def is_mint(owner: Pubkey, data: bytes) -> bool:
    return _is_kind(owner, data, MINT_SIZE, _ACCOUNT_TYPE_MINT)


def is_token_account(owner: Pubkey, data: bytes) -> bool:
    return _is_kind(owner, data, TOKEN_ACCOUNT_SIZE, _ACCOUNT_TYPE_ACCOUNT)


def unpack_mint(data: bytes) -> MintState:
    auth_tag, auth, supply, decimals, init, freeze_tag, freeze = _MINT.unpack_from(data)
    return MintState(
        _option_key(auth_tag, auth), supply, decimals, bool(init), _option_key(freeze_tag, freeze)
    )


def unpack_token_account(data: bytes) -> TokenAccountState:
    (mint, owner, amount, deleg_tag, deleg, state, native_tag, native, delegated, close_tag,
     close) = _ACCOUNT.unpack_from(data)
    return TokenAccountState(
        Pubkey(mint),
        Pubkey(owner),
        amount,
        _option_key(deleg_tag, deleg),
        state,
        native if native_tag else None,
        delegated,
        _option_key(close_tag, close),
    )


def ui_amount_string(amount: int, decimals: int) -> str:
    """The decimal string RPC nodes show ("1.5", "0.000001", "2"), trailing zeros trimmed."""
    if decimals == 0:
        return str(amount)
    whole, frac = divmod(amount, 10**decimals)
    frac_text = str(frac).rjust(decimals, "0").rstrip("0")
    return f"{whole}.{frac_text}" if frac_text else str(whole)


def ui_token_amount(amount: int, decimals: int) -> dict:
    # uiAmount is a float only because the RPC shape has one; nothing here computes with it.
    return {
        "amount": str(amount),
        "decimals": decimals,
        "uiAmount": amount / 10**decimals,
        "uiAmountString": ui_amount_string(amount, decimals),
    }
