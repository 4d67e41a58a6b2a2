"""Run one transaction through LiteSVM and capture what the RPC meta reports about it.

LiteSVM returns logs, fee, compute units and inner instructions, but not balances before
and after, so those are read from account state around the call. The pre-state of writable
accounts is kept as the undo log that makes fork rollbacks possible.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Any

import base58
from solders.account import Account
from solders.litesvm import LiteSVM
from solders.pubkey import Pubkey
from solders.transaction import VersionedTransaction
from solders.transaction_metadata import FailedTransactionMetadata

from .programs import MEMO_PROGRAMS
from .records import TokenBalance
from .token_layout import is_token_account, unpack_mint, unpack_token_account
from .transaction_keys import ResolvedKeys


@dataclass(slots=True)
class Execution:
    """The facts of one executed transaction, before it is given a slot and a sequence."""

    committed: bool  # False when the cluster would reject it outright (no fee charged)
    err: Any
    fee: int
    compute_units: int
    logs: list[str]
    inner_instructions: list[dict]
    pre_balances: list[int]
    post_balances: list[int]
    pre_token_balances: list[TokenBalance]
    post_token_balances: list[TokenBalance]
    return_data: tuple[str, bytes] | None
    undo: dict[Pubkey, Account | None]


class MintDecimals:
    """Decimals per mint, cached: a mint's decimals never change once initialized."""

    def __init__(self, svm: LiteSVM) -> None:
        self._svm = svm
        self._cache: dict[Pubkey, int] = {}

    def get(self, mint: Pubkey) -> int:
        decimals = self._cache.get(mint)
        if decimals is None:
            account = self._svm.get_account(mint)
            decimals = unpack_mint(bytes(account.data)).decimals if account else 0
            self._cache[mint] = decimals
        return decimals

    def forget(self) -> None:
        self._cache.clear()


_intern = sys.intern


def error_json(failed: FailedTransactionMetadata) -> Any:
    """The TransactionError exactly as the RPC serializes it (serde's externally tagged form)."""
    return json.loads(failed.to_json())["err"]


def _token_balance(
    index: int, account: Account | None, decimals: MintDecimals
) -> TokenBalance | None:
    if account is None:
        return None
    data = bytes(account.data)
    if not is_token_account(account.owner, data):
        return None
    state = unpack_token_account(data)
    return TokenBalance(
        index,
        _intern(str(state.mint)),
        _intern(str(state.owner)),
        _intern(str(account.owner)),
        state.amount,
        decimals.get(state.mint),
    )


def extract_memo(keys: list[Pubkey], instructions) -> str | None:
    """getSignaturesForAddress's memo field: "[len] text" per memo instruction, "; "-joined."""
    memos = []
    for ix in instructions:
        if keys[ix.program_id_index] in MEMO_PROGRAMS:
            data = bytes(ix.data)
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = "(unparseable)"
            memos.append(f"[{len(data)}] {text}")
    return "; ".join(memos) if memos else None


def inner_instructions_json(inner) -> list[dict]:
    result = []
    for index, instructions in enumerate(inner):
        if not instructions:
            continue
        result.append(
            {
                "index": index,
                "instructions": [
                    {
                        "programIdIndex": item.instruction().program_id_index,
                        "accounts": list(bytes(item.instruction().accounts)),
                        "data": base58.b58encode(bytes(item.instruction().data)).decode(),
                        "stackHeight": item.stack_height(),
                    }
                    for item in instructions
                ],
            }
        )
    return result


def execute(
    svm: LiteSVM, tx: VersionedTransaction, resolved: ResolvedKeys, decimals: MintDecimals
) -> Execution:
    keys = resolved.keys
    pre_accounts: list[Account | None] = []
    pre_balances: list[int] = []
    for index, key in enumerate(keys):
        if index in resolved.program_indexes:
            # Programs are large and never change here; their lamports are all we need.
            pre_accounts.append(None)
            pre_balances.append(svm.get_balance(key) or 0)
        else:
            account = svm.get_account(key)
            pre_accounts.append(account)
            pre_balances.append(account.lamports if account else 0)

    result = svm.send_transaction(tx)
    failed = isinstance(result, FailedTransactionMetadata)
    meta = result.meta() if failed else result
    err = error_json(result) if failed else None

    post_accounts = list(pre_accounts)
    post_balances = list(pre_balances)
    for index, key in enumerate(keys):
        if resolved.writable[index]:
            account = svm.get_account(key)
            post_accounts[index] = account
            post_balances[index] = account.lamports if account else 0

    # A failed transaction still lands (and pays its fee) when it got as far as executing;
    # LiteSVM charges the fee exactly then, so an untouched fee payer means "rejected".
    committed = err is None or post_balances[0] != pre_balances[0]

    pre_tokens = [b for i, a in enumerate(pre_accounts) if (b := _token_balance(i, a, decimals))]
    post_tokens = [b for i, a in enumerate(post_accounts) if (b := _token_balance(i, a, decimals))]
    return_data = meta.return_data()
    return_pair = None
    if return_data is not None and bytes(return_data.data):
        return_pair = (str(return_data.program_id), bytes(return_data.data))
    undo = {
        key: pre_accounts[index]
        for index, key in enumerate(keys)
        if resolved.writable[index]
    }
    return Execution(
        committed=committed,
        err=err,
        fee=meta.fee(),
        compute_units=meta.compute_units_consumed(),
        logs=[_intern(line) for line in meta.logs()],
        inner_instructions=inner_instructions_json(meta.inner_instructions()),
        pre_balances=pre_balances,
        post_balances=post_balances,
        pre_token_balances=pre_tokens,
        post_token_balances=post_tokens,
        return_data=return_pair,
        undo=undo,
    )
