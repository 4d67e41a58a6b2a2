"""A checked, typed view of one `getTransaction` result in the jsonParsed encoding.

An RPC answer is untrusted input: a node (or whatever answers in its place) may leave
fields out, send the wrong types, negative or fractional amounts, or balance arrays that
do not line up with the account keys. Transfer validation reads the answer only through
`read_transaction`, which either returns frozen, typed data or raises one of the
`UnreadableTransaction` subclasses below, so no KeyError or TypeError ever reaches the
watcher. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from solders.pubkey import Pubkey

_DIGITS = re.compile(r"[0-9]+")
U64_MAX = 2**64 - 1


class UnreadableTransaction(Exception):
    """The answer cannot be judged; `detail` says what was wrong, for staff."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class MalformedTransaction(UnreadableTransaction):
    """A field is missing, of the wrong type, or inconsistent with the rest."""


class UnreadableAmount(UnreadableTransaction):
    """A balance or amount is not a non-negative integer number of base units."""


class UnsupportedVersion(UnreadableTransaction):
    """A transaction version this code does not know how to read."""


@dataclass(frozen=True, slots=True)
class AccountKey:
    pubkey: Pubkey
    signer: bool
    writable: bool


@dataclass(frozen=True, slots=True)
class ParsedInstruction:
    """One instruction as the node decoded it; `type`/`info` only for parsed ones."""

    program_id: Pubkey
    type: str | None = None
    info: Mapping[str, object] = field(default_factory=dict)
    # SPL Memo instructions parse to their text instead of a {type, info} object.
    memo: str | None = None


@dataclass(frozen=True, slots=True)
class TokenBalance:
    account_index: int
    mint: Pubkey
    owner: Pubkey | None
    program_id: Pubkey | None
    amount: int
    decimals: int


@dataclass(frozen=True, slots=True)
class ParsedTransaction:
    signatures: tuple[str, ...]
    slot: int
    block_time: int | None
    err: object  # None when the transaction succeeded
    account_keys: tuple[AccountKey, ...]
    instructions: tuple[ParsedInstruction, ...]
    inner_instructions: tuple[ParsedInstruction, ...]  # flattened, in order
    pre_balances: tuple[int, ...]
    post_balances: tuple[int, ...]
    pre_token_balances: tuple[TokenBalance, ...]
    post_token_balances: tuple[TokenBalance, ...]

    def index_of(self, key: Pubkey) -> int | None:
        for index, account in enumerate(self.account_keys):
            if account.pubkey == key:
                return index
        return None


SUPPORTED_VERSIONS: tuple[object, ...] = (None, "legacy", 0)


def read_transaction(result: object) -> ParsedTransaction:
    """Check and convert `getTransaction`'s `result` (jsonParsed, maxSupportedVersion 0)."""
    top = _mapping(result, "result")
    version = top.get("version")
    if isinstance(version, bool) or not isinstance(version, str | int | None):
        raise MalformedTransaction(f"version is {version!r}")
    if version not in SUPPORTED_VERSIONS:
        raise UnsupportedVersion(f"transaction version {version!r}")
    meta = _mapping(top.get("meta"), "meta")
    transaction = _mapping(top.get("transaction"), "transaction")
    message = _mapping(transaction.get("message"), "transaction.message")
    keys = tuple(
        _account_key(k, i) for i, k in enumerate(_list(message.get("accountKeys"), "accountKeys"))
    )
    if len({k.pubkey for k in keys}) != len(keys):
        raise MalformedTransaction("an account key appears twice")
    count = len(keys)
    pre_balances = _lamports(meta.get("preBalances"), "meta.preBalances", count)
    post_balances = _lamports(meta.get("postBalances"), "meta.postBalances", count)
    if "err" not in meta:  # only an explicit null means success
        raise MalformedTransaction("meta.err is missing")
    block_time = top.get("blockTime")
    if block_time is not None:
        block_time = _integer(block_time, "blockTime", MalformedTransaction)
    return ParsedTransaction(
        signatures=tuple(
            _text(s, "signature") for s in _list(transaction.get("signatures"), "signatures")
        ),
        slot=_integer(top.get("slot"), "slot", MalformedTransaction),
        block_time=block_time,
        err=meta["err"],
        account_keys=keys,
        instructions=tuple(
            _instruction(ix) for ix in _list(message.get("instructions"), "instructions")
        ),
        inner_instructions=_inner(meta.get("innerInstructions", [])),
        pre_balances=pre_balances,
        post_balances=post_balances,
        pre_token_balances=_token_balances(
            meta.get("preTokenBalances"), "meta.preTokenBalances", count
        ),
        post_token_balances=_token_balances(
            meta.get("postTokenBalances"), "meta.postTokenBalances", count
        ),
    )


def parse_base_units(value: object, what: str) -> int:
    """A u64 amount: an int, or a string of decimal digits (as uiTokenAmount.amount)."""
    if isinstance(value, str):
        if not _DIGITS.fullmatch(value):
            raise UnreadableAmount(f"{what} is {value!r}, not a whole number of base units")
        number = int(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        raise UnreadableAmount(f"{what} is {value!r}, not a whole number of base units")
    if not 0 <= number <= U64_MAX:
        raise UnreadableAmount(f"{what} is {number}, outside 0..2**64-1")
    return number


def pubkey(value: object, what: str) -> Pubkey:
    text = _text(value, what)
    try:
        return Pubkey.from_string(text)
    except ValueError as exc:
        raise MalformedTransaction(f"{what} is {text!r}, not a public key") from exc


def _mapping(value: object, what: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise MalformedTransaction(f"{what} is {type(value).__name__}, not an object")
    return value


def _list(value: object, what: str) -> list[object]:
    if not isinstance(value, list):
        raise MalformedTransaction(f"{what} is {type(value).__name__}, not a list")
    return value


def _text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise MalformedTransaction(f"{what} is {type(value).__name__}, not a string")
    return value


def _flag(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise MalformedTransaction(f"{what} is {value!r}, not true/false")
    return value


def _integer(value: object, what: str, error: type[UnreadableTransaction]) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise error(f"{what} is {value!r}, not a non-negative integer")
    return value


def _account_key(value: object, index: int) -> AccountKey:
    if isinstance(value, str):
        raise MalformedTransaction("accountKeys are plain strings: not the jsonParsed encoding")
    key = _mapping(value, f"accountKeys[{index}]")
    return AccountKey(
        pubkey=pubkey(key.get("pubkey"), f"accountKeys[{index}].pubkey"),
        signer=_flag(key.get("signer"), f"accountKeys[{index}].signer"),
        writable=_flag(key.get("writable"), f"accountKeys[{index}].writable"),
    )


def _instruction(value: object) -> ParsedInstruction:
    ix = _mapping(value, "instruction")
    program_id = pubkey(ix.get("programId"), "instruction.programId")
    parsed = ix.get("parsed")
    if parsed is None:  # partially decoded: program id, accounts and raw data only
        return ParsedInstruction(program_id)
    if isinstance(parsed, str):
        return ParsedInstruction(program_id, memo=parsed)
    body = _mapping(parsed, "instruction.parsed")
    return ParsedInstruction(
        program_id,
        type=_text(body.get("type"), "instruction.parsed.type"),
        info=_mapping(body.get("info", {}), "instruction.parsed.info"),
    )


def _inner(value: object) -> tuple[ParsedInstruction, ...]:
    if value is None:  # nodes answer null when inner instructions were not recorded
        return ()
    return tuple(
        _instruction(ix)
        for group in _list(value, "meta.innerInstructions")
        for ix in _list(_mapping(group, "inner group").get("instructions"), "inner instructions")
    )


def _lamports(value: object, what: str, count: int) -> tuple[int, ...]:
    balances = _list(value, what)
    if len(balances) != count:
        raise MalformedTransaction(f"{what} has {len(balances)} entries for {count} account keys")
    return tuple(_integer(b, f"{what}[{i}]", UnreadableAmount) for i, b in enumerate(balances))


def _token_balances(value: object, what: str, count: int) -> tuple[TokenBalance, ...]:
    balances: list[TokenBalance] = []
    for i, entry in enumerate(_list(value, what)):
        item = _mapping(entry, f"{what}[{i}]")
        index = _integer(
            item.get("accountIndex"), f"{what}[{i}].accountIndex", MalformedTransaction
        )
        if index >= count:
            raise MalformedTransaction(f"{what}[{i}].accountIndex {index} is past the account keys")
        ui = _mapping(item.get("uiTokenAmount"), f"{what}[{i}].uiTokenAmount")
        owner, program = item.get("owner"), item.get("programId")
        balances.append(
            TokenBalance(
                account_index=index,
                mint=pubkey(item.get("mint"), f"{what}[{i}].mint"),
                owner=None if owner is None else pubkey(owner, f"{what}[{i}].owner"),
                program_id=None if program is None else pubkey(program, f"{what}[{i}].programId"),
                amount=parse_base_units(ui.get("amount"), f"{what}[{i}].uiTokenAmount.amount"),
                decimals=_integer(
                    ui.get("decimals"), f"{what}[{i}].uiTokenAmount.decimals", MalformedTransaction
                ),
            )
        )
    if len({b.account_index for b in balances}) != len(balances):
        raise MalformedTransaction(f"{what} lists one account twice")
    return tuple(balances)
