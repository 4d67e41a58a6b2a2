"""Sending, simulating and looking up transactions."""

from __future__ import annotations

import base64
import binascii

import base58
import orjson
from solders.message import Message, MessageV0
from solders.transaction import VersionedTransaction

from ..account_encoding import encode_account
from ..chain import Chain, SendOptions, TransactionRejected
from ..execution import Execution
from ..rpc_errors import (
    SEND_TRANSACTION_PREFLIGHT_FAILURE,
    TRANSACTION_SIGNATURE_VERIFICATION_FAILURE,
    RpcError,
    invalid_params,
)
from ..transaction_encoding import TRANSACTION_ENCODINGS, encode_transaction, return_data_json
from ..transaction_keys import KeyResolutionError
from .params import (
    account_encoding,
    array,
    commitment,
    config_at,
    context_slot,
    integer,
    positional,
    pubkey,
    signature,
    with_context,
)
from .registry import rpc_method

MAX_SIGNATURE_STATUSES = 256
MAX_SIGNATURES_FOR_ADDRESS = 1000
MAX_SIMULATE_ACCOUNTS = 100  # MAX_MULTIPLE_ACCOUNTS on a node


# A node refuses a wire transaction over the packet size before and after decoding
# (solana-rpc's decode_and_deserialize): PACKET_DATA_SIZE is 1280 - 40 - 8 bytes.
PACKET_DATA_SIZE = 1232
MAX_BASE58_SIZE = 1683  # base58 of PACKET_DATA_SIZE bytes
MAX_BASE64_SIZE = 1644  # base64 of PACKET_DATA_SIZE bytes


def decode_transaction(encoded: object, encoding: object) -> VersionedTransaction:
    if not isinstance(encoded, str):
        raise invalid_params("Invalid params: transaction must be an encoded string")
    if encoding not in ("base58", "base64"):
        raise invalid_params(f"Invalid params: unsupported encoding {encoding!r}; "
                             "use base58 or base64")
    limit = MAX_BASE58_SIZE if encoding == "base58" else MAX_BASE64_SIZE
    if len(encoded) > limit:
        raise invalid_params(f"invalid transaction: encoded {encoding} too large: "
                             f"{len(encoded)} bytes (max: encoded/raw {limit}/{PACKET_DATA_SIZE})")
    try:
        if encoding == "base58":
            raw = base58.b58decode(encoded)
        else:
            raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise invalid_params(f"invalid transaction: failed to decode {encoding}: {exc}") from exc
    if len(raw) > PACKET_DATA_SIZE:
        raise invalid_params(f"invalid transaction: decoded {encoding} too large: {len(raw)} "
                             f"bytes (max: encoded/raw {limit}/{PACKET_DATA_SIZE})")
    try:
        tx = VersionedTransaction.from_bytes(raw)
    except Exception as exc:  # solders raises its own error types for malformed bytes
        raise invalid_params(f"invalid transaction: failed to deserialize: {exc}") from exc
    try:
        tx.sanitize()
    except Exception as exc:  # no signatures, no account keys, indexes out of range...
        raise invalid_params("invalid transaction: Transaction failed to sanitize accounts "
                             f"offsets correctly ({exc})") from exc
    return tx


def _describe(err: object) -> str:
    """A human message for a TransactionError in its JSON form, close to a node's Display."""
    if isinstance(err, dict) and "InstructionError" in err:
        index, inner = err["InstructionError"]
        if isinstance(inner, dict) and "Custom" in inner:
            detail = f"custom program error: {inner['Custom']:#x}"
        else:
            detail = str(inner)
        return f"Error processing Instruction {index}: {detail}"
    names = {
        "BlockhashNotFound": "Blockhash not found",
        "AlreadyProcessed": "This transaction has already been processed",
        "AccountNotFound": "Attempt to debit an account but found no record of a prior credit.",
        "InsufficientFundsForFee": "Insufficient funds for fee",
    }
    return names.get(err, str(err)) if isinstance(err, str) else str(err)


def _simulation_value(execution: Execution | None, err: object) -> dict:
    return {
        "accounts": None,
        "err": err,
        "innerInstructions": None,
        "loadedAccountsDataSize": None,
        "logs": execution.logs if execution else [],
        "replacementBlockhash": None,
        "returnData": return_data_json(execution.return_data if execution else None),
        "unitsConsumed": execution.compute_units if execution else 0,
    }


@rpc_method("sendTransaction")
def send_transaction(chain: Chain, params: list) -> str:
    config = config_at(params, 1)
    encoded = positional(params, 0, "transaction")
    tx = decode_transaction(encoded, config.get("encoding") or "base58")
    context_slot(chain, config, commitment(config, "processed"))
    try:
        return chain.send(tx, SendOptions(preflight=not config.get("skipPreflight")))
    except TransactionRejected as rejected:
        if rejected.reason == "verify":
            raise RpcError(TRANSACTION_SIGNATURE_VERIFICATION_FAILURE,
                           "Transaction signature verification failure") from rejected
        raise RpcError(
            SEND_TRANSACTION_PREFLIGHT_FAILURE,
            f"Transaction simulation failed: {_describe(rejected.err)}",
            _simulation_value(rejected.execution, rejected.err),
        ) from rejected


def _with_blockhash(tx: VersionedTransaction, blockhash) -> VersionedTransaction:
    message = tx.message
    if isinstance(message, Message):
        header = message.header
        replaced = Message.new_with_compiled_instructions(
            header.num_required_signatures,
            header.num_readonly_signed_accounts,
            header.num_readonly_unsigned_accounts,
            list(message.account_keys),
            blockhash,
            list(message.instructions),
        )
    else:
        replaced = MessageV0(message.header, list(message.account_keys), blockhash,
                             list(message.instructions), list(message.address_table_lookups))
    return VersionedTransaction.populate(replaced, list(tx.signatures))


def _accounts_to_capture(config: dict) -> tuple[dict, list, str]:
    """simulateTransaction's `accounts` config, checked in full before anything runs."""
    accounts_config = config.get("accounts") or {}
    if not isinstance(accounts_config, dict):
        raise invalid_params("Invalid params: `accounts` must be an object")
    addresses = array(accounts_config.get("addresses") or [], "`accounts.addresses`",
                      MAX_SIMULATE_ACCOUNTS, items="accounts")
    encoding = account_encoding(accounts_config, "base64")
    if encoding in ("base58", "binary"):
        raise invalid_params("base58 encoding not supported")
    return accounts_config, [pubkey(a) for a in addresses], encoding


@rpc_method("simulateTransaction")
def simulate_transaction(chain: Chain, params: list) -> dict:
    config = config_at(params, 1)
    encoded = positional(params, 0, "transaction")
    tx = decode_transaction(encoded, config.get("encoding") or "base58")
    level = commitment(config)
    slot = context_slot(chain, config, level)
    sig_verify = bool(config.get("sigVerify"))
    replace = bool(config.get("replaceRecentBlockhash"))
    if sig_verify and replace:
        raise invalid_params("sigVerify may not be used with replaceRecentBlockhash")
    replacement = None
    if replace:
        blockhash, last_valid = chain.latest_blockhash(level)
        tx = _with_blockhash(tx, blockhash)
        replacement = {"blockhash": str(blockhash), "lastValidBlockHeight": last_valid}
    elif not chain.is_blockhash_valid(tx.message.recent_blockhash):
        value = _simulation_value(None, "BlockhashNotFound")
        return with_context(slot, value)
    accounts_config, capture, accounts_encoding = _accounts_to_capture(config)
    try:
        execution, captured = chain.simulate(tx, sig_verify=sig_verify, capture=capture)
    except KeyResolutionError as exc:
        return with_context(slot, _simulation_value(None, str(exc)))
    value = _simulation_value(execution, execution.err)
    value["replacementBlockhash"] = replacement
    if accounts_config:
        value["accounts"] = [
            encode_account(a, accounts_encoding, None, chain.decimals.get) if a else None
            for a in captured
        ]
    if config.get("innerInstructions"):
        value["innerInstructions"] = execution.inner_instructions
    return with_context(slot, value)


@rpc_method("getSignatureStatuses")
def get_signature_statuses(chain: Chain, params: list) -> dict:
    signatures = array(positional(params, 0, "signatures"), "signatures", MAX_SIGNATURE_STATUSES)
    statuses = []
    for text in signatures:
        record = chain.record(signature(text))
        if record is None:
            statuses.append(None)
            continue
        level = chain.commitment_of(record)
        statuses.append(
            {
                "confirmationStatus": level,
                "confirmations": None if level == "finalized" else chain.slot - record.slot,
                "err": record.err,
                "slot": record.slot,
                "status": {"Ok": None} if record.err is None else {"Err": record.err},
            }
        )
    return with_context(chain.slot, statuses)


def _at_least_confirmed(config: dict):
    level = commitment(config)
    if level == "processed":
        raise invalid_params("Method does not support commitment below `confirmed`")
    return level


@rpc_method("getSignaturesForAddress")
def get_signatures_for_address(chain: Chain, params: list) -> list:
    address = pubkey(positional(params, 0, "address"))
    config = config_at(params, 1)
    level = _at_least_confirmed(config)
    context_slot(chain, config, level)
    limit = config.get("limit")
    limit = MAX_SIGNATURES_FOR_ADDRESS if limit is None else integer(limit, "limit", minimum=1)
    if limit > MAX_SIGNATURES_FOR_ADDRESS:
        raise invalid_params(f"Invalid limit; max {MAX_SIGNATURES_FOR_ADDRESS}")
    before_seq = until_seq = None
    if config.get("before") is not None:
        before = chain.record(signature(config["before"]))
        if before is None:
            return []  # a node cannot place an unknown `before`, so nothing is older
        before_seq = before.seq
    if config.get("until") is not None:
        until = chain.record(signature(config["until"]))
        if until is not None:
            until_seq = until.seq
    results = []
    records = chain.index.newest_first(
        str(address), chain.record_at, before_seq=before_seq, until_seq=until_seq,
        max_slot=chain.highest_slot_at(level),
    )
    commitment_of = chain.commitment_of
    for record in records:
        # Pre-serialized entries: building 1000 dicts per call would dominate the latency.
        results.append(orjson.Fragment(record.signature_entry_json(commitment_of(record))))
        if len(results) >= limit:
            break
    return results


@rpc_method("getTransaction")
def get_transaction(chain: Chain, params: list) -> dict | None:
    text = signature(positional(params, 0, "signature"))
    raw_config = params[1] if len(params) > 1 else None
    # The second param may be a bare encoding string (the deprecated form) or a config.
    config = {"encoding": raw_config} if isinstance(raw_config, str) else config_at(params, 1)
    level = _at_least_confirmed(config)
    encoding = config.get("encoding") or "json"
    if encoding not in TRANSACTION_ENCODINGS:
        raise invalid_params(f"Invalid params: unknown encoding {encoding!r}")
    max_version = config.get("maxSupportedTransactionVersion")
    if max_version is not None:
        max_version = integer(max_version, "maxSupportedTransactionVersion")
    record = chain.record(text)
    if record is None or not chain.reaches(record, level):
        return None
    return encode_transaction(record, encoding, max_version)
