"""jsonParsed instructions: the decoding a node applies to System, SPL Token, Associated
Token Account and Memo instructions. Anything else is returned "partially decoded"
(program id, account addresses, base58 data), as a node does."""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

import base58
from solders.pubkey import Pubkey

from .programs import (
    ASSOCIATED_TOKEN_PROGRAM,
    MEMO_PROGRAM,
    MEMO_PROGRAM_V1,
    SYSTEM_PROGRAM,
    TOKEN_2022_PROGRAM,
    TOKEN_PROGRAM,
)
from .token_layout import ui_token_amount


class _Unparseable(Exception):
    pass


def _u64(data: bytes, offset: int) -> int:
    if len(data) < offset + 8:
        raise _Unparseable
    return struct.unpack_from("<Q", data, offset)[0]


def _need(accounts: list[str], count: int) -> None:
    if len(accounts) < count:
        raise _Unparseable


def _parse_system(data: bytes, accounts: list[str]) -> dict:
    if len(data) < 4:
        raise _Unparseable
    tag = struct.unpack_from("<I", data)[0]
    if tag == 0:
        _need(accounts, 2)
        return {"info": {"lamports": _u64(data, 4), "newAccount": accounts[1],
                         "owner": str(Pubkey(data[20:52])), "source": accounts[0],
                         "space": _u64(data, 12)}, "type": "createAccount"}
    if tag == 1:
        _need(accounts, 1)
        return {"info": {"account": accounts[0], "owner": str(Pubkey(data[4:36]))},
                "type": "assign"}
    if tag == 2:
        _need(accounts, 2)
        return {"info": {"destination": accounts[1], "lamports": _u64(data, 4),
                         "source": accounts[0]}, "type": "transfer"}
    if tag == 8:
        _need(accounts, 1)
        return {"info": {"account": accounts[0], "space": _u64(data, 4)}, "type": "allocate"}
    raise _Unparseable


def _authority(info: dict, accounts: list[str], last_nonsigner: int, name: str) -> dict:
    # Extra keys after the authority make the node read it as a multisig with signers;
    # this is how Solana Pay reference keys show up in jsonParsed output.
    if len(accounts) > last_nonsigner + 1:
        info[f"multisig{name[0].upper()}{name[1:]}"] = accounts[last_nonsigner]
        info["signers"] = accounts[last_nonsigner + 1 :]
    else:
        info[name] = accounts[last_nonsigner]
    return info


def _parse_token(data: bytes, accounts: list[str]) -> dict:
    if not data:
        raise _Unparseable
    tag = data[0]
    if tag == 1:
        _need(accounts, 4)
        return {"info": {"account": accounts[0], "mint": accounts[1], "owner": accounts[2],
                         "rentSysvar": accounts[3]}, "type": "initializeAccount"}
    if tag == 3:
        _need(accounts, 3)
        info = {"amount": str(_u64(data, 1)), "destination": accounts[1], "source": accounts[0]}
        return {"info": _authority(info, accounts, 2, "authority"), "type": "transfer"}
    if tag in (7, 14):
        _need(accounts, 3)
        info: dict[str, Any] = {"account": accounts[1], "mint": accounts[0]}
        if tag == 7:
            info["amount"] = str(_u64(data, 1))
        else:
            if len(data) < 10:
                raise _Unparseable
            info["tokenAmount"] = ui_token_amount(_u64(data, 1), data[9])
        return {"info": _authority(info, accounts, 2, "mintAuthority"),
                "type": "mintTo" if tag == 7 else "mintToChecked"}
    if tag == 8:
        _need(accounts, 3)
        info = {"account": accounts[0], "amount": str(_u64(data, 1)), "mint": accounts[1]}
        return {"info": _authority(info, accounts, 2, "authority"), "type": "burn"}
    if tag == 9:
        _need(accounts, 3)
        info = {"account": accounts[0], "destination": accounts[1]}
        return {"info": _authority(info, accounts, 2, "owner"), "type": "closeAccount"}
    if tag == 12:
        _need(accounts, 4)
        if len(data) < 10:
            raise _Unparseable
        info = {"destination": accounts[2], "mint": accounts[1], "source": accounts[0],
                "tokenAmount": ui_token_amount(_u64(data, 1), data[9])}
        return {"info": _authority(info, accounts, 3, "authority"), "type": "transferChecked"}
    if tag in (16, 18):
        if len(data) < 33:
            raise _Unparseable
        owner = str(Pubkey(data[1:33]))
        if tag == 16:
            _need(accounts, 3)
            return {"info": {"account": accounts[0], "mint": accounts[1], "owner": owner,
                             "rentSysvar": accounts[2]}, "type": "initializeAccount2"}
        _need(accounts, 2)
        return {"info": {"account": accounts[0], "mint": accounts[1], "owner": owner},
                "type": "initializeAccount3"}
    if tag == 21:
        _need(accounts, 1)
        return {"info": {"extensionTypes": [], "mint": accounts[0]},
                "type": "getAccountDataSize"}
    if tag == 22:
        _need(accounts, 1)
        return {"info": {"account": accounts[0]}, "type": "initializeImmutableOwner"}
    raise _Unparseable


def _parse_associated_token(data: bytes, accounts: list[str]) -> dict:
    kind = {b"": "create", b"\x00": "create", b"\x01": "createIdempotent"}.get(data)
    if kind is None:
        raise _Unparseable
    _need(accounts, 6)
    return {"info": {"account": accounts[1], "mint": accounts[3], "source": accounts[0],
                     "systemProgram": accounts[4], "tokenProgram": accounts[5],
                     "wallet": accounts[2]}, "type": kind}


def _parse_memo(data: bytes, accounts: list[str]) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Unparseable from exc


_PARSERS: dict[str, tuple[str, Callable[[bytes, list[str]], Any]]] = {
    str(SYSTEM_PROGRAM): ("system", _parse_system),
    str(TOKEN_PROGRAM): ("spl-token", _parse_token),
    str(TOKEN_2022_PROGRAM): ("spl-token-2022", _parse_token),
    str(ASSOCIATED_TOKEN_PROGRAM): ("spl-associated-token-account", _parse_associated_token),
    str(MEMO_PROGRAM): ("spl-memo", _parse_memo),
    str(MEMO_PROGRAM_V1): ("spl-memo", _parse_memo),
}


def parse_instruction(
    program_id: str, accounts: list[str], data: bytes, stack_height: int | None
) -> dict:
    parser = _PARSERS.get(program_id)
    if parser is not None:
        name, parse = parser
        try:
            parsed = parse(data, accounts)
            return {"parsed": parsed, "program": name, "programId": program_id,
                    "stackHeight": stack_height}
        except (_Unparseable, struct.error, ValueError, IndexError):
            pass
    return {"accounts": accounts, "data": base58.b58encode(data).decode(),
            "programId": program_id, "stackHeight": stack_height}
