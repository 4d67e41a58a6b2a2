"""The ledger: LiteSVM's account state plus the slots, blockhashes, commitment levels and
transaction history a real cluster has and LiteSVM does not.

Everything here runs on one thread (the server's event loop); nothing in it blocks.

Commitment model: a transaction executes in the current slot (`processed`), is `confirmed`
once the next slot begins, and `finalized` 32 slots after its own. Until finalized it can
be dropped, which rolls the accounts back as a fork would (see `drop_transaction`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from solders.account import Account
from solders.clock import Clock
from solders.compute_budget import set_compute_unit_limit
from solders.hash import Hash
from solders.litesvm import LiteSVM
from solders.message import Message
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer
from solders.transaction import VersionedTransaction

from .address_index import AddressIndex
from .execution import Execution, MintDecimals, execute, extract_memo
from .genesis import GenesisConfig, apply_genesis, faucet_keypair
from .programs import SYSTEM_PROGRAM
from .records import TokenBalance, TransactionRecord
from .transaction_keys import KeyResolutionError, resolve_keys

Commitment = Literal["processed", "confirmed", "finalized"]
FINALITY_DEPTH = 32
# A blockhash stays usable for 150 blocks, as on mainnet.
MAX_BLOCKHASH_AGE = 150
# How many slots after its own a scheduled fork drops a transaction: confirmed, not final.
DEFAULT_DROP_DELAY = 2

_intern = sys.intern
log = logging.getLogger(__name__)


class ChainListener(Protocol):
    def on_commitment(self, record: TransactionRecord, commitment: Commitment) -> None: ...
    def on_slot(self, slot: int) -> None: ...
    def on_dropped(self, record: TransactionRecord) -> None: ...


class TransactionRejected(Exception):
    """The transaction did not land. `reason` names why, in the RPC's terms:
    "preflight" (simulation failed; `execution` holds its logs), "verify" (bad signature),
    "blockhash", "already_processed" or "lookup" (address lookup table problem)."""

    def __init__(self, reason: str, err: Any, execution: Execution | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.err = err
        self.execution = execution


class StateFileError(ValueError):
    """A state file this localnet cannot load: unreadable, malformed, or saved by a
    localnet with another seed. Raised before `load` changes anything."""


@dataclass(slots=True)
class SendOptions:
    preflight: bool = True


def _empty_account() -> Account:
    # Writing a zero-lamport account makes LiteSVM forget it, i.e. "did not exist".
    return Account(0, b"", SYSTEM_PROGRAM)


class Chain:
    def __init__(self, config: GenesisConfig | None = None) -> None:
        self.config = config or GenesisConfig()
        self.svm = LiteSVM().with_blockhash_check(False).with_transaction_history(0)
        self.decimals = MintDecimals(self.svm)
        self.records: list[TransactionRecord] = []
        self.by_signature: dict[str, TransactionRecord] = {}
        self.index = AddressIndex()
        self.unfinalized: dict[int, list[TransactionRecord]] = {}
        self.touched: set[Pubkey] = set(apply_genesis(self.svm, self.config))
        self.listeners: list[ChainListener] = []
        self.scheduled_drops: dict[str, int] = {}
        self._blockhash_slot: dict[Hash, int] = {}
        self._slot_blockhash: dict[int, Hash] = {}
        self._block_times: dict[int, int] = {}
        self._faucet = faucet_keypair(self.config)
        self.genesis_hash = Hash(hashlib.sha256(f"{self.config.seed}/genesis".encode()).digest())
        self._airdrop_nonce = 0
        self.slot = 0
        self._begin_slot(0)

    # ----- slots and blockhashes -------------------------------------------------------

    def _begin_slot(self, slot: int) -> None:
        blockhash = Hash(hashlib.sha256(f"{self.config.seed}/blockhash/{slot}".encode()).digest())
        self._blockhash_slot[blockhash] = slot
        self._slot_blockhash[slot] = blockhash
        expired = slot - MAX_BLOCKHASH_AGE - FINALITY_DEPTH - 1
        old = self._slot_blockhash.pop(expired, None)
        if old is not None:
            self._blockhash_slot.pop(old, None)
        # A slot restored from a state file keeps the block time its transactions had.
        now = self._block_times.setdefault(slot, int(time.time()))
        self.svm.set_clock(Clock(slot, self._block_times.get(0, now), 0, 0, now))

    def advance_slot(self) -> int:
        """End the current slot and start the next; drives commitment levels and forks."""
        self.slot += 1
        self._begin_slot(self.slot)
        for signature, due in list(self.scheduled_drops.items()):
            if due <= self.slot:
                self.scheduled_drops.pop(signature)
                if signature in self.by_signature:
                    self.drop_transaction(signature)
        for record in self.unfinalized.get(self.slot - 1, ()):
            self._emit_commitment(record, "confirmed")
        for record in self.unfinalized.pop(self.slot - FINALITY_DEPTH, ()):
            record.undo = None  # rooted: nothing can roll it back any more
            self._emit_commitment(record, "finalized")
        self._notify_listeners("on_slot", self.slot)
        return self.slot

    def slot_for(self, commitment: Commitment) -> int:
        """The slot a response at this commitment reflects (genesis until one is that old)."""
        return max(self.highest_slot_at(commitment), 0)

    def block_time(self, slot: int) -> int | None:
        return self._block_times.get(slot)

    def latest_blockhash(self, commitment: Commitment) -> tuple[Hash, int]:
        slot = self.slot_for(commitment)
        return self._slot_blockhash[slot], slot + MAX_BLOCKHASH_AGE

    def is_blockhash_valid(self, blockhash: Hash) -> bool:
        slot = self._blockhash_slot.get(blockhash)
        return slot is not None and self.slot <= slot + MAX_BLOCKHASH_AGE

    def commitment_of(self, record: TransactionRecord) -> Commitment:
        if record.slot <= self.slot - FINALITY_DEPTH:
            return "finalized"
        if record.slot < self.slot:
            return "confirmed"
        return "processed"

    def highest_slot_at(self, commitment: Commitment) -> int:
        """The newest slot whose transactions count at this commitment (may be negative
        early on, when nothing is that old yet)."""
        if commitment == "processed":
            return self.slot
        if commitment == "confirmed":
            return self.slot - 1
        return self.slot - FINALITY_DEPTH

    def reaches(self, record: TransactionRecord, commitment: Commitment) -> bool:
        return record.slot <= self.highest_slot_at(commitment)

    # ----- transactions ----------------------------------------------------------------

    def send(self, tx: VersionedTransaction, options: SendOptions | None = None) -> str:
        """Execute a transaction now. Returns its signature; raises TransactionRejected
        when preflight would refuse it. With preflight off, a transaction the cluster would
        refuse is silently not recorded, as a real node does after returning the signature."""
        preflight = (options or SendOptions()).preflight
        signature = str(tx.signatures[0])

        def reject(reason: str, err: Any, execution: Execution | None = None) -> str:
            if preflight or reason == "verify":
                raise TransactionRejected(reason, err, execution)
            return signature

        existing = self.by_signature.get(signature)
        if existing is not None:
            return reject("already_processed", "AlreadyProcessed")
        message = tx.message
        if not self.is_blockhash_valid(message.recent_blockhash):
            return reject("blockhash", "BlockhashNotFound")
        try:
            resolved = resolve_keys(self.svm, message)
        except KeyResolutionError as exc:
            return reject("lookup", str(exc))
        keys_text = [_intern(str(key)) for key in resolved.keys]
        execution = execute(self.svm, tx, resolved, self.decimals)
        if not execution.committed:
            reason = "verify" if execution.err == "SignatureFailure" else "preflight"
            return reject(reason, execution.err, execution)
        if execution.err is not None and preflight:
            self._restore(execution.undo)
            raise TransactionRejected("preflight", execution.err, execution)

        record = TransactionRecord(
            seq=len(self.records),
            signature=signature,
            slot=self.slot,
            block_time=self._block_times[self.slot],
            raw=bytes(tx),
            version=None if isinstance(message, Message) else 0,
            account_keys=keys_text,
            num_loaded_writable=resolved.num_loaded_writable,
            num_loaded_readonly=resolved.num_loaded_readonly,
            err=None,
            fee=0,
            compute_units=0,
            logs=[],
            inner_instructions=[],
            pre_balances=[],
            post_balances=[],
            pre_token_balances=[],
            post_token_balances=[],
            return_data=None,
            memo=extract_memo(resolved.keys, message.instructions),
            writable_keys=[k for k, w in zip(resolved.keys, resolved.writable) if w],
        )
        self._apply_execution(record, execution)
        self.records.append(record)
        self.by_signature[signature] = record
        self.index.add(record)
        self.unfinalized.setdefault(self.slot, []).append(record)
        self.touched.update(record.writable_keys)
        self._emit_commitment(record, "processed")
        return signature

    @staticmethod
    def _apply_execution(record: TransactionRecord, execution: Execution) -> None:
        record._entry_json = None  # a replay after a fork may change err
        record.err = execution.err
        record.fee = execution.fee
        record.compute_units = execution.compute_units
        record.logs = execution.logs
        record.inner_instructions = execution.inner_instructions
        record.pre_balances = execution.pre_balances
        record.post_balances = execution.post_balances
        record.pre_token_balances = execution.pre_token_balances
        record.post_token_balances = execution.post_token_balances
        record.return_data = execution.return_data
        record.undo = execution.undo

    def simulate(
        self, tx: VersionedTransaction, *, sig_verify: bool, capture: list[Pubkey] = ()
    ) -> tuple[Execution, list[Account | None]]:
        """Run a transaction and undo it. Returns what happened and the state the
        `capture` accounts would have had afterwards."""
        resolved = resolve_keys(self.svm, tx.message)
        # If execute itself fails we have no undo from it, so keep our own of what the
        # transaction could have written; the caller then sees the real error.
        before = {key: self.svm.get_account(key)
                  for key, writable in zip(resolved.keys, resolved.writable) if writable}
        execution: Execution | None = None
        self.svm.with_sigverify(sig_verify)
        try:
            execution = execute(self.svm, tx, resolved, self.decimals)
            captured = [self.svm.get_account(address) for address in capture]
        finally:
            self.svm.with_sigverify(True)
            self._restore(execution.undo if execution is not None else before)
        return execution, captured

    def airdrop(self, recipient: Pubkey, lamports: int) -> str:
        """requestAirdrop: a real transfer from the genesis faucet, so it is in the ledger."""
        blockhash = self._slot_blockhash[self.slot]
        instructions = [
            transfer(TransferParams(from_pubkey=self._faucet.pubkey(), to_pubkey=recipient,
                                    lamports=lamports))
        ]
        message = Message.new_with_blockhash(instructions, self._faucet.pubkey(), blockhash)
        tx = VersionedTransaction(message, [self._faucet])
        if str(tx.signatures[0]) in self.by_signature:
            # Same airdrop twice in one slot: vary the message so it is a new transaction.
            self._airdrop_nonce += 1
            instructions.insert(0, set_compute_unit_limit(200_000 - self._airdrop_nonce % 100_000))
            message = Message.new_with_blockhash(instructions, self._faucet.pubkey(), blockhash)
            tx = VersionedTransaction(message, [self._faucet])
        return self.send(tx)

    # ----- queries ---------------------------------------------------------------------

    @property
    def faucet(self) -> Pubkey:
        return self._faucet.pubkey()

    def get_account(self, address: Pubkey) -> Account | None:
        return self.svm.get_account(address)

    def record(self, signature: str) -> TransactionRecord | None:
        return self.by_signature.get(signature)

    def record_at(self, seq: int) -> TransactionRecord:
        return self.records[seq]

    # ----- forks -----------------------------------------------------------------------

    def schedule_drop(self, signature: str, after_slots: int = DEFAULT_DROP_DELAY) -> int:
        """Drop a transaction once it is `after_slots` old (confirmed, not yet final)."""
        record = self.by_signature.get(signature)
        if record is None:
            raise KeyError(signature)
        if after_slots >= FINALITY_DEPTH:
            raise ValueError(f"after_slots must be below {FINALITY_DEPTH} to beat finality")
        due = record.slot + after_slots
        self.scheduled_drops[signature] = due
        return due

    def drop_transaction(self, signature: str) -> None:
        """Roll a not-yet-finalized transaction back as if its fork lost.

        Transactions executed after it are undone too and then replayed in order, so they
        stay unless they depended on the dropped one (then they fail or vanish, as they
        would on the surviving fork).
        """
        target = self.by_signature.get(signature)
        if target is None:
            raise KeyError(signature)
        if self.commitment_of(target) == "finalized":
            raise ValueError(f"{signature} is finalized and cannot be rolled back")
        later = [r for r in self.records[target.seq + 1 :] if not r.dropped]
        for record in reversed(later):
            self._restore(record.undo)
        self._restore(target.undo)
        self._forget(target)
        self.decimals.forget()
        for record in later:
            tx = VersionedTransaction.from_bytes(record.raw)
            try:
                resolved = resolve_keys(self.svm, tx.message)
            except KeyResolutionError:
                # Its lookup table is gone with the fork: it cannot load, so it never landed.
                self._forget(record)
                continue
            execution = execute(self.svm, tx, resolved, self.decimals)
            if execution.committed:
                self._apply_execution(record, execution)
            else:
                self._forget(record)

    def _forget(self, record: TransactionRecord) -> None:
        record.dropped = True
        record.undo = None
        self.by_signature.pop(record.signature, None)
        self.index.remove(record)
        pending = self.unfinalized.get(record.slot)
        if pending and record in pending:
            pending.remove(record)
        self._notify_listeners("on_dropped", record)

    def _restore(self, undo: dict[Pubkey, Account | None] | None) -> None:
        for address, account in (undo or {}).items():
            self.svm.set_account(address, account if account is not None else _empty_account())

    def _emit_commitment(self, record: TransactionRecord, commitment: Commitment) -> None:
        self._notify_listeners("on_commitment", record, commitment)

    def _notify_listeners(self, event: str, *args: Any) -> None:
        # The ledger change has already happened; a listener that fails (a subscriber's
        # encoding, a closed socket) must not turn a landed transaction into an error for
        # its sender or stop the slot clock halfway, so each delivery is on its own.
        for listener in list(self.listeners):
            try:
                getattr(listener, event)(*args)
            except Exception:
                log.exception("chain listener %r failed in %s", listener, event)

    # ----- persistence -----------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write accounts and ledger history to a JSON file `load` can restore."""
        accounts = {}
        for address in sorted(self.touched, key=str):
            account = self.svm.get_account(address)
            if account is not None:
                accounts[str(address)] = [
                    account.lamports,
                    base64.b64encode(bytes(account.data)).decode(),
                    str(account.owner),
                    account.executable,
                    account.rent_epoch,
                ]
        records = [_record_to_json(r) for r in self.records if not r.dropped]
        state = {"format": 1, "seed": self.config.seed, "slot": self.slot,
                 "accounts": accounts, "records": records}
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(state))
        tmp.replace(path)

    def load(self, path: Path) -> None:
        """Restore a saved state. History loads as finalized: it cannot be forked away.
        Raises StateFileError, with nothing changed, for a file it cannot use."""
        accounts, records, saved_slot = _read_state(path, self.config.seed)
        for key, account in accounts.items():
            self.svm.set_account(key, account)
            self.touched.add(key)
        self.records = []
        self.by_signature = {}
        self.index = AddressIndex()
        self.unfinalized = {}
        for record in records:
            self.records.append(record)
            self.by_signature[record.signature] = record
            self.index.add(record)
            self._block_times.setdefault(record.slot, record.block_time)
        self.slot = max(self.slot, saved_slot + FINALITY_DEPTH)
        # Every slot from the saved one on gets its blockhash, so the confirmed and
        # finalized blockhashes (slot - 1, slot - 32) exist from the first request.
        for slot in range(saved_slot, self.slot + 1):
            self._begin_slot(slot)


def _read_state(
    path: Path, seed: str
) -> tuple[dict[Pubkey, Account], list[TransactionRecord], int]:
    """Parse a whole state file before any of it is applied."""
    try:
        state = json.loads(path.read_text())
        if not isinstance(state, dict) or state.get("format") != 1:
            raise ValueError("not a localnet state file (format 1)")
        saved_seed, saved_slot = state["seed"], _uint(state["slot"], "slot")
        accounts = {
            Pubkey.from_string(address): Account(
                lamports, base64.b64decode(data, validate=True), Pubkey.from_string(owner),
                executable, rent_epoch)
            for address, (lamports, data, owner, executable, rent_epoch)
            in state["accounts"].items()
        }
        records = [_record_from_json(item, seq) for seq, item in enumerate(state["records"])]
    except (OSError, KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise StateFileError(f"cannot load state file {path}: {type(exc).__name__}: {exc}") from exc
    if saved_seed != seed:
        raise StateFileError(f"state file {path} was saved with seed {saved_seed!r}, not "
                             f"{seed!r}: start with that seed or remove the file")
    return accounts, records, saved_slot


def _uint(value: Any, what: str) -> int:
    # Slots and block times feed the clock (u64 / i64) and every commitment comparison;
    # loaded counts slice account keys. A wrong type would only fail later, mid-load.
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        raise ValueError(f"bad {what} {value!r}")
    return value


def _record_to_json(record: TransactionRecord) -> dict:
    return {
        "signature": record.signature,
        "slot": record.slot,
        "blockTime": record.block_time,
        "raw": base64.b64encode(record.raw).decode(),
        "version": record.version,
        "accountKeys": record.account_keys,
        "loaded": [record.num_loaded_writable, record.num_loaded_readonly],
        "err": record.err,
        "fee": record.fee,
        "computeUnits": record.compute_units,
        "logs": record.logs,
        "innerInstructions": record.inner_instructions,
        "preBalances": record.pre_balances,
        "postBalances": record.post_balances,
        "preTokenBalances": [_token_balance_to_json(b) for b in record.pre_token_balances],
        "postTokenBalances": [_token_balance_to_json(b) for b in record.post_token_balances],
        "returnData": [record.return_data[0], base64.b64encode(record.return_data[1]).decode()]
        if record.return_data else None,
        "memo": record.memo,
    }


def _token_balance_to_json(b: TokenBalance) -> list:
    return [b.account_index, b.mint, b.owner, b.program_id, b.amount, b.decimals]


def _record_from_json(item: dict, seq: int) -> TransactionRecord:
    return_data = item["returnData"]
    num_loaded_writable, num_loaded_readonly = (
        _uint(n, f"record {seq} loaded count") for n in item["loaded"])
    return TransactionRecord(
        seq=seq,
        signature=item["signature"],
        slot=_uint(item["slot"], f"record {seq} slot"),
        block_time=_uint(item["blockTime"], f"record {seq} blockTime"),
        raw=base64.b64decode(item["raw"]),
        version=item["version"],
        account_keys=[_intern(k) for k in item["accountKeys"]],
        num_loaded_writable=num_loaded_writable,
        num_loaded_readonly=num_loaded_readonly,
        err=item["err"],
        fee=item["fee"],
        compute_units=item["computeUnits"],
        logs=item["logs"],
        inner_instructions=item["innerInstructions"],
        pre_balances=item["preBalances"],
        post_balances=item["postBalances"],
        pre_token_balances=[TokenBalance(*b) for b in item["preTokenBalances"]],
        post_token_balances=[TokenBalance(*b) for b in item["postTokenBalances"]],
        return_data=(return_data[0], base64.b64decode(return_data[1])) if return_data else None,
        memo=item["memo"],
    )


ChainFactory = Callable[[], Chain]
