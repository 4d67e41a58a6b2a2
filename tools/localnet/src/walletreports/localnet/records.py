"""What the ledger keeps about every committed transaction.

A record holds the raw wire bytes plus the execution facts the RPC methods need (balances
before and after, logs, inner instructions, error), all captured at execution time because
LiteSVM keeps only current account state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
from solders.account import Account
from solders.pubkey import Pubkey


@dataclass(slots=True)
class TokenBalance:
    """One token account's balance as the RPC's pre/postTokenBalances entries show it."""

    account_index: int
    mint: str
    owner: str
    program_id: str
    amount: int  # base units
    decimals: int


@dataclass(slots=True)
class TransactionRecord:
    seq: int  # global execution order; signatures-for-address sorts on it
    signature: str
    slot: int
    block_time: int
    raw: bytes  # the transaction exactly as received, for re-encoding and replay
    version: int | None  # None for legacy, 0 for v0
    account_keys: list[str]  # static keys, then loaded writable, then loaded readonly
    num_loaded_writable: int
    num_loaded_readonly: int
    err: Any  # the TransactionError in its RPC JSON form, None on success
    fee: int
    compute_units: int
    logs: list[str]
    inner_instructions: list[dict]  # RPC json form: [{index, instructions: [...]}]
    pre_balances: list[int]
    post_balances: list[int]
    pre_token_balances: list[TokenBalance]
    post_token_balances: list[TokenBalance]
    return_data: tuple[str, bytes] | None
    memo: str | None
    # Pre-execution state of the writable accounts, kept until the slot is finalized so a
    # fork can roll the transaction back. None once finalized.
    undo: dict[Pubkey, Account | None] | None = None
    writable_keys: list[Pubkey] = field(default_factory=list)
    dropped: bool = False
    _entry_json: bytes | None = None

    def signature_entry_json(self, confirmation_status: str) -> bytes:
        """The getSignaturesForAddress entry as JSON bytes. Everything but the status is
        fixed once executed, so it is serialized once; this is the lookup's hot path."""
        prefix = self._entry_json
        if prefix is None:
            prefix = orjson.dumps(self.signature_entry())[:-1] + b',"confirmationStatus":"'
            self._entry_json = prefix
        return prefix + confirmation_status.encode() + b'"}'

    @property
    def loaded_writable(self) -> list[str]:
        start = len(self.account_keys) - self.num_loaded_writable - self.num_loaded_readonly
        return self.account_keys[start : start + self.num_loaded_writable]

    @property
    def loaded_readonly(self) -> list[str]:
        if not self.num_loaded_readonly:
            return []
        return self.account_keys[len(self.account_keys) - self.num_loaded_readonly :]

    def signature_entry(self) -> dict:
        """The getSignaturesForAddress entry minus confirmationStatus (that changes)."""
        return {
            "signature": self.signature,
            "slot": self.slot,
            "err": self.err,
            "memo": self.memo,
            "blockTime": self.block_time,
        }
