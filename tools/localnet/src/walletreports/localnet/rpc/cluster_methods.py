"""Cluster-wide methods: health, version, slots, blockhashes, rent and fees."""

from __future__ import annotations

import base64
import binascii

from solders.message import from_bytes_versioned
from solders.signature import Signature
from solders.transaction import VersionedTransaction

from ..chain import Chain
from ..programs import COMPUTE_BUDGET_PROGRAM, LAMPORTS_PER_SIGNATURE
from ..rpc_errors import BLOCK_NOT_AVAILABLE, RpcError, invalid_params
from .params import (
    API_VERSION,
    blockhash,
    commitment,
    config_at,
    context_slot,
    integer,
    positional,
    with_context,
)
from .registry import rpc_method

# A stable feature-set number; clients only display it.
FEATURE_SET = 3294202862
SLOTS_PER_EPOCH = 432_000


@rpc_method("getHealth")
def get_health(chain: Chain, params: list) -> str:
    return "ok"


@rpc_method("getVersion")
def get_version(chain: Chain, params: list) -> dict:
    return {"feature-set": FEATURE_SET, "solana-core": API_VERSION}


@rpc_method("getGenesisHash")
def get_genesis_hash(chain: Chain, params: list) -> str:
    return str(chain.genesis_hash)


@rpc_method("getIdentity")
def get_identity(chain: Chain, params: list) -> dict:
    return {"identity": str(chain.faucet)}


@rpc_method("getSlot")
def get_slot(chain: Chain, params: list) -> int:
    config = config_at(params, 0)
    return context_slot(chain, config, commitment(config))


@rpc_method("getBlockHeight")
def get_block_height(chain: Chain, params: list) -> int:
    # No slot is ever skipped here, so block height equals slot.
    config = config_at(params, 0)
    return context_slot(chain, config, commitment(config))


@rpc_method("getEpochInfo")
def get_epoch_info(chain: Chain, params: list) -> dict:
    config = config_at(params, 0)
    slot = context_slot(chain, config, commitment(config))
    return {
        "absoluteSlot": slot,
        "blockHeight": slot,
        "epoch": slot // SLOTS_PER_EPOCH,
        "slotIndex": slot % SLOTS_PER_EPOCH,
        "slotsInEpoch": SLOTS_PER_EPOCH,
        "transactionCount": len(chain.records),
    }


@rpc_method("getFirstAvailableBlock")
def get_first_available_block(chain: Chain, params: list) -> int:
    return 0


@rpc_method("getBlockTime")
def get_block_time(chain: Chain, params: list) -> int:
    slot = integer(positional(params, 0, "slot"), "slot")
    block_time = chain.block_time(slot)
    if block_time is None or slot > chain.slot_for("confirmed"):
        raise RpcError(BLOCK_NOT_AVAILABLE, f"Block not available for slot {slot}")
    return block_time


@rpc_method("getLatestBlockhash")
def get_latest_blockhash(chain: Chain, params: list) -> dict:
    config = config_at(params, 0)
    level = commitment(config)
    slot = context_slot(chain, config, level)
    blockhash, last_valid = chain.latest_blockhash(level)
    return with_context(slot, {"blockhash": str(blockhash), "lastValidBlockHeight": last_valid})


@rpc_method("isBlockhashValid")
def is_blockhash_valid(chain: Chain, params: list) -> dict:
    text = positional(params, 0, "blockhash")
    config = config_at(params, 1)
    slot = context_slot(chain, config, commitment(config))
    return with_context(slot, chain.is_blockhash_valid(blockhash(text)))


@rpc_method("getMinimumBalanceForRentExemption")
def get_minimum_balance_for_rent_exemption(chain: Chain, params: list) -> int:
    size = integer(positional(params, 0, "dataLength"), "dataLength")
    return chain.svm.minimum_balance_for_rent_exemption(size)


def message_fee(message) -> int:
    """Base fee per signature plus the priority fee its compute-budget instructions ask for."""
    fee = LAMPORTS_PER_SIGNATURE * message.header.num_required_signatures
    unit_limit, unit_price = None, 0
    keys = message.account_keys
    non_budget = 0
    for ix in message.instructions:
        data = bytes(ix.data)
        if keys[ix.program_id_index] != COMPUTE_BUDGET_PROGRAM:
            non_budget += 1
            continue
        if data[:1] == b"\x02" and len(data) >= 5:
            unit_limit = int.from_bytes(data[1:5], "little")
        elif data[:1] == b"\x03" and len(data) >= 9:
            unit_price = int.from_bytes(data[1:9], "little")
    if unit_price:
        limit = unit_limit if unit_limit is not None else min(200_000 * non_budget, 1_400_000)
        fee += (unit_price * limit + 999_999) // 1_000_000
    return fee


def _sanitize(message) -> None:
    """Refuse a message a node would not sanitize (program index out of range, no fee
    payer...) before pricing it, as getFeeForMessage on a node does."""
    try:
        signers = message.header.num_required_signatures
        VersionedTransaction.populate(message, [Signature.default()] * signers).sanitize()
    except Exception as exc:
        raise invalid_params(f"Invalid params: invalid transaction message: {exc}") from exc


@rpc_method("getFeeForMessage")
def get_fee_for_message(chain: Chain, params: list) -> dict:
    encoded = positional(params, 0, "message")
    config = config_at(params, 1)
    slot = context_slot(chain, config, commitment(config))
    try:
        message = from_bytes_versioned(base64.b64decode(encoded, validate=True))
    except (binascii.Error, ValueError, TypeError) as exc:
        raise invalid_params(f"Invalid params: failed to decode message: {exc}") from exc
    _sanitize(message)
    if not chain.is_blockhash_valid(message.recent_blockhash):
        return with_context(slot, None)
    return with_context(slot, message_fee(message))


@rpc_method("getRecentPrioritizationFees")
def get_recent_prioritization_fees(chain: Chain, params: list) -> list:
    return []
