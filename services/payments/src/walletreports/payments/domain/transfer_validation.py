"""Does this transaction pay this invoice? Stricter than `@solana/pay`'s validateTransfer.

Given `getTransaction(sig, {"encoding": "jsonParsed", "maxSupportedTransactionVersion": 0})`
and what the invoice expects, `validate_transfer` answers `TransferAccepted` (base units
received and who paid) or `TransferRejected` (a stable `RejectionReason` code and a detail
for staff). It never raises on what the RPC sent: a malformed or lying answer is a
rejection like any other. Rules, in the order they are checked:

1. The answer is readable and its version known (`malformed`, `unsupported_version`).
2. `meta.err` is null (`transaction_failed`).
3. A top-level transfer of the classic Token program (`transfer`/`transferChecked`), or
   a System `transfer` for SOL, goes to the recipient's associated token account for
   exactly this mint, derived here (never taken from the transaction), or to the
   recipient itself for SOL. Otherwise the closest miss: `wrong_program` (Token-2022
   look-alike), `wrong_mint` (another mint, or SOL for tokens and back), `wrong_recipient`,
   `no_transfer`.
4. The invoice's reference is an account key, read-only and not a signer
   (`reference_missing`, `reference_signer`, `reference_writable`).
5. When the invoice has a memo, an SPL Memo instruction carries exactly it (`memo_mismatch`).
6. The amount received is the destination's post minus pre balance (token balances for
   the account index and mint, lamports for SOL), never the instruction's claim; it must
   be positive and equal what the transfers to it claim (`amount_unreadable`,
   `nothing_received`, `amount_mismatch`).

Both verdicts carry `references`: every read-only, non-signer key that plays no other
part in the transaction (not a program, not a mint). A caller matching them to open
invoices sees a signature that carries two invoices' references and refuses it: a
signature pays at most one invoice. Whether the amount is enough is the invoice's
decision, not this module's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from solders.pubkey import Pubkey

from walletreports.kit.errors import InvalidInput

from .money import SOL_DECIMALS
from .parsed_transaction import (
    MalformedTransaction,
    ParsedInstruction,
    ParsedTransaction,
    TokenBalance,
    UnreadableAmount,
    UnreadableTransaction,
    UnsupportedVersion,
    parse_base_units,
    pubkey,
    read_transaction,
)

SYSTEM_PROGRAM = Pubkey.from_string("11111111111111111111111111111111")
TOKEN_PROGRAM = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
TOKEN_2022_PROGRAM = Pubkey.from_string("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb")
ASSOCIATED_TOKEN_PROGRAM = Pubkey.from_string("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL")
MEMO_PROGRAMS = frozenset(
    {
        Pubkey.from_string("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr"),
        Pubkey.from_string("Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFMNo"),
    }
)
# Read-only keys that instructions pass as accounts (not as program ids): never references.
_WELL_KNOWN = frozenset(
    {
        SYSTEM_PROGRAM,
        TOKEN_PROGRAM,
        TOKEN_2022_PROGRAM,
        ASSOCIATED_TOKEN_PROGRAM,
        *MEMO_PROGRAMS,
        Pubkey.from_string("SysvarRent111111111111111111111111111111111"),
        Pubkey.from_string("SysvarC1ock11111111111111111111111111111111"),
        Pubkey.from_string("ComputeBudget111111111111111111111111111111"),
    }
)
# Parsed-info fields that name an account (System, Token, ATA instructions).
_NAMED_KEYS = frozenset(
    {
        "account",
        "authority",
        "destination",
        "mint",
        "mintAuthority",
        "multisigAuthority",
        "multisigMintAuthority",
        "multisigOwner",
        "newAccount",
        "owner",
        "rentSysvar",
        "source",
        "systemProgram",
        "tokenProgram",
        "wallet",
    }
)
_TOKEN_TRANSFERS = frozenset({"transfer", "transferChecked"})


class RejectionReason(StrEnum):
    NOT_FOUND = "not_found"  # getTransaction answered null
    MALFORMED = "malformed"
    UNSUPPORTED_VERSION = "unsupported_version"
    TRANSACTION_FAILED = "transaction_failed"
    NO_TRANSFER = "no_transfer"
    WRONG_PROGRAM = "wrong_program"
    WRONG_MINT = "wrong_mint"
    WRONG_RECIPIENT = "wrong_recipient"
    REFERENCE_MISSING = "reference_missing"
    REFERENCE_SIGNER = "reference_signer"
    REFERENCE_WRITABLE = "reference_writable"
    MEMO_MISMATCH = "memo_mismatch"
    AMOUNT_UNREADABLE = "amount_unreadable"
    NOTHING_RECEIVED = "nothing_received"
    AMOUNT_MISMATCH = "amount_mismatch"
    # Decided by the watcher from what the transaction's references match:
    NO_INVOICE = "no_invoice"  # carries no open invoice's or refund's reference
    SEVERAL_INVOICES = "several_invoices"  # carries two invoices' references
    CURRENCY_NOT_ACCEPTED = "currency_not_accepted"  # e.g. SOL when SOL was withdrawn
    NOT_ACCEPTED = "not_accepted"  # valid, but the invoice refused it (a domain error)
    # A transaction carrying a refund's reference that does not send it (refunding.py):
    REFUND_NOT_FROM_MERCHANT = "refund_not_from_merchant"
    REFUND_SHORT = "refund_short"
    REFUND_ALREADY_SENT = "refund_already_sent"
    ILLEGAL_REFUND_TRANSITION = "illegal_refund_transition"


# Rejections of a transaction meant for an invoice (it carries the invoice's reference)
# that a customer made the wrong way: money may have moved, so staff are told (a
# PaymentRejected event) besides the rejected candidate's row. The rest are no
# customer's doing (no invoice's reference, a failed transaction, an answer that does
# not add up, not one of our transfers) and only recorded.
CUSTOMER_MISTAKES = frozenset(
    {
        RejectionReason.WRONG_MINT,
        RejectionReason.WRONG_RECIPIENT,
        RejectionReason.MEMO_MISMATCH,
        RejectionReason.SEVERAL_INVOICES,
        RejectionReason.CURRENCY_NOT_ACCEPTED,
    }
)


@dataclass(frozen=True, slots=True)
class ExpectedTransfer:
    """What the invoice's payment method asks for. `mint=None` means SOL (lamports)."""

    recipient: Pubkey  # the merchant's owner address, as in the Solana Pay URL
    mint: Pubkey | None
    decimals: int
    reference: Pubkey
    memo: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.decimals, bool) or not 0 <= self.decimals <= 255:
            raise InvalidInput(f"decimals must be 0..255, not {self.decimals!r}", field="decimals")
        if self.mint is None and self.decimals != SOL_DECIMALS:
            raise InvalidInput("SOL has 9 decimals", field="decimals")

    @property
    def destination(self) -> Pubkey:
        """Where the money must land: the recipient's ATA for the mint, or the recipient."""
        if self.mint is None:
            return self.recipient
        return associated_token_address(self.recipient, self.mint)


def associated_token_address(
    owner: Pubkey, mint: Pubkey, token_program: Pubkey = TOKEN_PROGRAM
) -> Pubkey:
    address, _bump = Pubkey.find_program_address(
        [bytes(owner), bytes(token_program), bytes(mint)], ASSOCIATED_TOKEN_PROGRAM
    )
    return address


@dataclass(frozen=True, slots=True)
class TransferAccepted:
    amount: int  # base units the destination received (lamports for SOL)
    payer: Pubkey  # owner of the paying account: where a refund goes
    destination: Pubkey
    references: tuple[Pubkey, ...]
    signature: str
    slot: int
    block_time: int | None

    accepted = True


@dataclass(frozen=True, slots=True)
class TransferRejected:
    reason: RejectionReason
    detail: str
    references: tuple[Pubkey, ...] = ()
    signature: str | None = None

    accepted = False


TransferVerdict = TransferAccepted | TransferRejected


class _Rejected(Exception):
    def __init__(self, reason: RejectionReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def _unreadable(exc: UnreadableTransaction) -> RejectionReason:
    if isinstance(exc, UnreadableAmount):
        return RejectionReason.AMOUNT_UNREADABLE
    if isinstance(exc, UnsupportedVersion):
        return RejectionReason.UNSUPPORTED_VERSION
    return RejectionReason.MALFORMED


def validate_transfer(
    result: object, expected: ExpectedTransfer, *, signature: str | None = None
) -> TransferVerdict:
    """Judge one getTransaction result; `signature`, when given, must be the one it has."""
    if result is None:
        return TransferRejected(RejectionReason.NOT_FOUND, "no such transaction", (), signature)
    try:
        tx = read_transaction(result)
        references = _references(tx)
    except UnreadableTransaction as exc:
        return TransferRejected(_unreadable(exc), exc.detail, (), signature)
    own = tx.signatures[0] if tx.signatures else None
    if own is None or (signature is not None and own != signature):
        detail = f"asked for signature {signature}, the answer is for {own}"
        return TransferRejected(RejectionReason.MALFORMED, detail, references, signature)
    try:
        return _judge(tx, expected, own, references)
    except UnreadableTransaction as exc:
        return TransferRejected(_unreadable(exc), exc.detail, references, own)
    except _Rejected as exc:
        return TransferRejected(exc.reason, exc.detail, references, own)


def references_in(result: object) -> tuple[Pubkey, ...] | TransferRejected:
    """The candidate reference keys of a getTransaction result (see the module
    docstring), or the rejection when the answer cannot be read: the watcher asks this
    first, to find which invoices a transaction may be about."""
    if result is None:
        return TransferRejected(RejectionReason.NOT_FOUND, "no such transaction")
    try:
        return _references(read_transaction(result))
    except UnreadableTransaction as exc:
        return TransferRejected(_unreadable(exc), exc.detail)


def _judge(
    tx: ParsedTransaction,
    expected: ExpectedTransfer,
    signature: str,
    references: tuple[Pubkey, ...],
) -> TransferAccepted:
    if tx.err is not None:
        raise _Rejected(RejectionReason.TRANSACTION_FAILED, f"meta.err is {tx.err!r}")
    destination = expected.destination
    transfers = [ix for ix in tx.instructions if _is_transfer_to(ix, expected.mint, destination)]
    if not transfers:
        reason, detail = _closest_miss(tx, expected)
        raise _Rejected(reason, detail)
    _check_reference(tx, expected.reference)
    if expected.memo is not None:
        _check_memo(tx.instructions, expected.memo)
    index = tx.index_of(destination)
    if index is None or not tx.account_keys[index].writable:
        raise MalformedTransaction(f"destination {destination} is not a writable account key")
    claimed = sum(
        _claimed_amount(ix, expected)
        for ix in (*tx.instructions, *tx.inner_instructions)
        if _is_transfer_to(ix, expected.mint, destination)
    )
    if expected.mint is None:
        received = tx.post_balances[index] - tx.pre_balances[index]
    else:
        received = _token_received(tx, index, expected)
    if received <= 0:
        raise _Rejected(RejectionReason.NOTHING_RECEIVED, f"balance changed by {received}")
    if received != claimed:
        raise _Rejected(
            RejectionReason.AMOUNT_MISMATCH,
            f"balances say {received} base units arrived, the transfers claim {claimed}",
        )
    return TransferAccepted(
        amount=received,
        payer=_payer(tx, transfers[0], expected),
        destination=destination,
        references=references,
        signature=signature,
        slot=tx.slot,
        block_time=tx.block_time,
    )


def _info_key(ix: ParsedInstruction, name: str) -> Pubkey:
    return pubkey(ix.info.get(name), f"{ix.type}.info.{name}")


def _is_token_transfer(ix: ParsedInstruction) -> bool:
    return ix.program_id in (TOKEN_PROGRAM, TOKEN_2022_PROGRAM) and ix.type in _TOKEN_TRANSFERS


def _is_system_transfer(ix: ParsedInstruction) -> bool:
    return ix.program_id == SYSTEM_PROGRAM and ix.type == "transfer"


def _is_transfer_to(ix: ParsedInstruction, mint: Pubkey | None, destination: Pubkey) -> bool:
    if mint is None:
        return _is_system_transfer(ix) and _info_key(ix, "destination") == destination
    return (
        ix.program_id == TOKEN_PROGRAM
        and ix.type in _TOKEN_TRANSFERS
        and _info_key(ix, "destination") == destination
    )


def _destination_mint(tx: ParsedTransaction, ix: ParsedInstruction) -> Pubkey | None:
    if ix.type == "transferChecked":
        return _info_key(ix, "mint")
    index = tx.index_of(_info_key(ix, "destination"))
    for balance in tx.post_token_balances:
        if balance.account_index == index:
            return balance.mint
    return None


def _closest_miss(tx: ParsedTransaction, expected: ExpectedTransfer) -> tuple[RejectionReason, str]:
    """Name the most telling reason no transfer matched (program, then mint, then account)."""
    misses: list[tuple[RejectionReason, str]] = []
    for ix in tx.instructions:
        if _is_system_transfer(ix):
            to = _info_key(ix, "destination")
            if expected.mint is not None and to == expected.recipient:
                misses.append((RejectionReason.WRONG_MINT, "paid in SOL, not in the token"))
            elif expected.mint is None:
                misses.append((RejectionReason.WRONG_RECIPIENT, f"SOL went to {to}"))
        elif _is_token_transfer(ix):
            to = _info_key(ix, "destination")
            mint = _destination_mint(tx, ix)
            if expected.mint is None:
                misses.append((RejectionReason.WRONG_MINT, f"paid in token {mint}, not SOL"))
            elif ix.program_id == TOKEN_2022_PROGRAM:
                misses.append((RejectionReason.WRONG_PROGRAM, "a Token-2022 transfer"))
            elif mint is not None and mint != expected.mint:
                misses.append((RejectionReason.WRONG_MINT, f"paid in {mint}, not {expected.mint}"))
            else:
                misses.append((RejectionReason.WRONG_RECIPIENT, f"tokens went to {to}"))
    if not misses:
        return RejectionReason.NO_TRANSFER, "no top-level transfer instruction"
    order = [
        RejectionReason.WRONG_PROGRAM,
        RejectionReason.WRONG_MINT,
        RejectionReason.WRONG_RECIPIENT,
    ]
    return min(misses, key=lambda miss: order.index(miss[0]))


def _check_reference(tx: ParsedTransaction, reference: Pubkey) -> None:
    index = tx.index_of(reference)
    if index is None:
        raise _Rejected(RejectionReason.REFERENCE_MISSING, f"{reference} is not an account key")
    key = tx.account_keys[index]
    if key.signer:
        raise _Rejected(RejectionReason.REFERENCE_SIGNER, f"{reference} signed the transaction")
    if key.writable:
        raise _Rejected(RejectionReason.REFERENCE_WRITABLE, f"{reference} is writable")


def _check_memo(instructions: Iterable[ParsedInstruction], memo: str) -> None:
    memos = [ix.memo for ix in instructions if ix.program_id in MEMO_PROGRAMS]
    if memo not in memos:
        raise _Rejected(RejectionReason.MEMO_MISMATCH, f"expected memo {memo!r}, found {memos!r}")


def _claimed_amount(ix: ParsedInstruction, expected: ExpectedTransfer) -> int:
    what = f"{ix.type}.info"
    if expected.mint is None:
        return parse_base_units(ix.info.get("lamports"), f"{what}.lamports")
    if ix.type == "transfer":
        return parse_base_units(ix.info.get("amount"), f"{what}.amount")
    if _info_key(ix, "mint") != expected.mint:
        raise MalformedTransaction(
            f"transferChecked into the {expected.mint} account names another mint"
        )
    token_amount = ix.info.get("tokenAmount")
    if not isinstance(token_amount, Mapping):
        raise UnreadableAmount(f"{what}.tokenAmount is {token_amount!r}")
    if token_amount.get("decimals") != expected.decimals:
        raise MalformedTransaction(
            f"transferChecked says {token_amount.get('decimals')!r} decimals, the mint has {expected.decimals}"
        )
    return parse_base_units(token_amount.get("amount"), f"{what}.tokenAmount.amount")


def _balance_at(balances: Iterable[TokenBalance], index: int) -> TokenBalance | None:
    return next((b for b in balances if b.account_index == index), None)


def _token_received(tx: ParsedTransaction, index: int, expected: ExpectedTransfer) -> int:
    post = _balance_at(tx.post_token_balances, index)
    if post is None:
        raise UnreadableAmount("no post token balance for the destination account")
    pre = _balance_at(tx.pre_token_balances, index)  # absent: the account was created here
    for balance in (b for b in (pre, post) if b is not None):
        if balance.mint != expected.mint:
            raise MalformedTransaction(f"the destination's token balance is in {balance.mint}")
        if balance.owner is not None and balance.owner != expected.recipient:
            raise MalformedTransaction(
                f"the destination's token balance is owned by {balance.owner}"
            )
        if balance.program_id is not None and balance.program_id != TOKEN_PROGRAM:
            raise MalformedTransaction(
                f"the destination's token balance is of {balance.program_id}"
            )
        if balance.decimals != expected.decimals:
            raise MalformedTransaction(
                f"the destination's token balance has {balance.decimals} decimals"
            )
    return post.amount - (0 if pre is None else pre.amount)


def _payer(tx: ParsedTransaction, ix: ParsedInstruction, expected: ExpectedTransfer) -> Pubkey:
    """The owner of the paying account (SOL: the source; tokens: the source's owner)."""
    source = _info_key(ix, "source")
    if expected.mint is None:
        return source
    index = tx.index_of(source)
    for balance in tx.pre_token_balances:
        if balance.account_index == index and balance.owner is not None:
            return balance.owner
    name = "multisigAuthority" if "multisigAuthority" in ix.info else "authority"
    return _info_key(ix, name)


def _references(tx: ParsedTransaction) -> tuple[Pubkey, ...]:
    """Read-only non-signer keys with no other part: not a program, not a mint or a
    well-known account, not named in a parsed instruction's info (as the wallet of an
    ATA creation is). Token transfers list references under `signers`, a list, which
    is not a named part; System transfers do not show them at all."""
    excluded = set(_WELL_KNOWN)
    for ix in (*tx.instructions, *tx.inner_instructions):
        excluded.add(ix.program_id)
        excluded.update(
            pubkey(value, f"info.{name}")
            for name, value in ix.info.items()
            if isinstance(value, str) and name in _NAMED_KEYS
        )
    excluded.update(b.mint for b in (*tx.pre_token_balances, *tx.post_token_balances))
    return tuple(
        key.pubkey
        for key in tx.account_keys
        if not key.signer and not key.writable and key.pubkey not in excluded
    )


__all__ = [
    "ASSOCIATED_TOKEN_PROGRAM",
    "CUSTOMER_MISTAKES",
    "SYSTEM_PROGRAM",
    "TOKEN_2022_PROGRAM",
    "TOKEN_PROGRAM",
    "ExpectedTransfer",
    "RejectionReason",
    "TransferAccepted",
    "TransferRejected",
    "TransferVerdict",
    "associated_token_address",
    "references_in",
    "validate_transfer",
]
