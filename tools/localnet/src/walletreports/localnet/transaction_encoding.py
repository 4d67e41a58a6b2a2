"""getTransaction's result in the json, jsonParsed, base64 and base58 encodings, built
from a ledger record (the raw transaction plus the meta captured at execution)."""

from __future__ import annotations

import base64
from typing import Any

import base58
from solders.message import Message
from solders.transaction import VersionedTransaction

from .parsed_instructions import parse_instruction
from .records import TokenBalance, TransactionRecord
from .rpc_errors import UNSUPPORTED_TRANSACTION_VERSION, RpcError, invalid_params
from .token_layout import ui_token_amount
from .transaction_keys import writable_flags

TRANSACTION_ENCODINGS = ("json", "jsonParsed", "base64", "base58")


def check_version(record: TransactionRecord, max_supported_version: int | None) -> None:
    if record.version is None:
        return
    if max_supported_version is None or record.version > max_supported_version:
        raise RpcError(
            UNSUPPORTED_TRANSACTION_VERSION,
            f"Transaction version ({record.version}) is not supported by the requesting client. "
            "Please try the request again with the following configuration parameter: "
            '"maxSupportedTransactionVersion": 0',
        )


def token_balance_json(balance: TokenBalance) -> dict:
    return {
        "accountIndex": balance.account_index,
        "mint": balance.mint,
        "owner": balance.owner,
        "programId": balance.program_id,
        "uiTokenAmount": ui_token_amount(balance.amount, balance.decimals),
    }


def return_data_json(return_data: tuple[str, bytes] | None) -> dict | None:
    if return_data is None:
        return None
    program_id, data = return_data
    return {"data": [base64.b64encode(data).decode(), "base64"], "programId": program_id}


def _header(message) -> dict:
    header = message.header
    return {
        "numReadonlySignedAccounts": header.num_readonly_signed_accounts,
        "numReadonlyUnsignedAccounts": header.num_readonly_unsigned_accounts,
        "numRequiredSignatures": header.num_required_signatures,
    }


def _lookups(message) -> list[dict]:
    return [
        {
            "accountKey": str(lookup.account_key),
            "readonlyIndexes": list(bytes(lookup.readonly_indexes)),
            "writableIndexes": list(bytes(lookup.writable_indexes)),
        }
        for lookup in message.address_table_lookups
    ]


def _message_json(message) -> dict:
    result = {
        "accountKeys": [str(key) for key in message.account_keys],
        "header": _header(message),
        "instructions": [
            {
                "accounts": list(bytes(ix.accounts)),
                "data": base58.b58encode(bytes(ix.data)).decode(),
                "programIdIndex": ix.program_id_index,
                "stackHeight": None,
            }
            for ix in message.instructions
        ],
        "recentBlockhash": str(message.recent_blockhash),
    }
    if not isinstance(message, Message):
        result["addressTableLookups"] = _lookups(message)
    return result


def _message_parsed(record: TransactionRecord, message) -> dict:
    keys = record.account_keys
    num_static = len(message.account_keys)
    num_signed = message.header.num_required_signatures
    writable = writable_flags(message, record.num_loaded_writable, record.num_loaded_readonly)
    result = {
        "accountKeys": [
            {
                "pubkey": key,
                "signer": i < num_signed,
                "source": "transaction" if i < num_static else "lookupTable",
                "writable": writable[i],
            }
            for i, key in enumerate(keys)
        ],
        "instructions": [
            parse_instruction(
                keys[ix.program_id_index],
                [keys[a] for a in bytes(ix.accounts)],
                bytes(ix.data),
                None,
            )
            for ix in message.instructions
        ],
        "recentBlockhash": str(message.recent_blockhash),
    }
    if not isinstance(message, Message):
        result["addressTableLookups"] = _lookups(message)
    return result


def _inner_parsed(record: TransactionRecord) -> list[dict]:
    keys = record.account_keys
    return [
        {
            "index": group["index"],
            "instructions": [
                parse_instruction(
                    keys[ix["programIdIndex"]],
                    [keys[a] for a in ix["accounts"]],
                    base58.b58decode(ix["data"]),
                    ix["stackHeight"],
                )
                for ix in group["instructions"]
            ],
        }
        for group in record.inner_instructions
    ]


def meta_json(record: TransactionRecord, *, parsed: bool) -> dict:
    meta: dict[str, Any] = {
        "computeUnitsConsumed": record.compute_units,
        "err": record.err,
        "fee": record.fee,
        "innerInstructions": _inner_parsed(record) if parsed else record.inner_instructions,
        "logMessages": record.logs,
        "postBalances": record.post_balances,
        "postTokenBalances": [token_balance_json(b) for b in record.post_token_balances],
        "preBalances": record.pre_balances,
        "preTokenBalances": [token_balance_json(b) for b in record.pre_token_balances],
        "rewards": [],
        "status": {"Ok": None} if record.err is None else {"Err": record.err},
    }
    if not parsed:
        meta["loadedAddresses"] = {
            "readonly": record.loaded_readonly,
            "writable": record.loaded_writable,
        }
    if record.return_data is not None:
        meta["returnData"] = return_data_json(record.return_data)
    return meta


def encode_transaction(
    record: TransactionRecord, encoding: str, max_supported_version: int | None
) -> dict:
    check_version(record, max_supported_version)
    if encoding == "base64":
        transaction: Any = [base64.b64encode(record.raw).decode(), "base64"]
    elif encoding == "base58":
        transaction = [base58.b58encode(record.raw).decode(), "base58"]
    elif encoding in ("json", "jsonParsed"):
        tx = VersionedTransaction.from_bytes(record.raw)
        message = tx.message
        transaction = {
            "message": _message_parsed(record, message)
            if encoding == "jsonParsed"
            else _message_json(message),
            "signatures": [str(s) for s in tx.signatures],
        }
    else:
        raise invalid_params(f"Invalid params: unknown encoding {encoding!r}")
    result = {
        "blockTime": record.block_time,
        "meta": meta_json(record, parsed=encoding == "jsonParsed"),
        "slot": record.slot,
        "transaction": transaction,
    }
    if max_supported_version is not None:
        result["version"] = "legacy" if record.version is None else record.version
    return result
