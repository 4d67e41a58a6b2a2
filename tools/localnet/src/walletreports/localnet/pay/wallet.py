"""Build, sign and send the transfer a Solana Pay wallet makes for a transfer request.

Instruction layout follows @solana/pay's createTransfer: the memo (SPL Memo, no keys)
second to last, the transfer last with every reference appended as a read-only non-signer
key. Like mobile wallets (and unlike createTransfer, which refuses), it first creates the
recipient's associated token account when it is missing.

`BadPayment` switches produce the wrong payments a payment processor must not accept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, localcontext

import httpx
from solana.rpc.async_api import AsyncClient
from solana.rpc.commitment import Confirmed
from solana.rpc.models import TxOpts
from solders.compute_budget import set_compute_unit_limit
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.message import Message, MessageV0
from solders.pubkey import Pubkey
from solders.system_program import TransferParams, transfer
from solders.transaction import VersionedTransaction

from ..programs import MEMO_PROGRAM, SOL_DECIMALS, TOKEN_PROGRAMS
from ..token_instructions import (
    associated_token_address,
    create_associated_token_account_idempotent,
    transfer_checked,
)
from ..token_layout import is_mint, unpack_mint
from .transfer_request import TransferRequest, parse_transfer_request

SOL = "sol"


class CreateTransferError(Exception):
    """The wallet cannot build this transfer (the reference createTransfer would throw)."""


@dataclass(slots=True)
class BadPayment:
    """Deviations from the request. The default instance pays exactly as asked."""

    amount: Decimal | None = None  # pay this many user units instead (less or more)
    mint: Pubkey | str | None = None  # another mint, or "sol" to pay SOL instead of tokens
    recipient: Pubkey | None = None  # pay someone else
    drop_references: bool = False  # leave the request's reference keys out
    extra_references: list[Pubkey] = field(default_factory=list)  # e.g. another invoice's
    omit_memo: bool = False
    memo: str | None = None  # a different memo than requested
    fail: bool = False  # land a transaction that fails on chain (meta.err set, fee paid)
    times: int = 1  # pay N separate times
    version: int | None = None  # None: legacy transaction; 0: v0 message
    skip_preflight: bool = False
    fork: bool = False  # have the localnet roll it back after confirmation (before finality)


async def _mint_decimals(client: AsyncClient, mint: Pubkey) -> tuple[int, Pubkey]:
    info = (await client.get_account_info(mint, commitment=Confirmed)).value
    if info is None or not is_mint(info.owner, bytes(info.data)):
        raise CreateTransferError("mint not initialized")
    return unpack_mint(bytes(info.data)).decimals, info.owner


U64_MAX = 2**64 - 1


def _base_units(amount: Decimal, decimals: int) -> int:
    """The amount in the mint's base units. Like @solana/pay, trailing zeros past the
    mint's decimals are fine when the value is exact ("1.5000000" of a 6-decimal mint)."""
    if not amount.is_finite() or amount <= 0:
        raise CreateTransferError(f"amount must be a finite number above zero, not {amount}")
    if amount.adjusted() + decimals >= 21:  # 10**21 base units or more: far past u64
        raise CreateTransferError(f"amount {amount} is too large for a token amount")
    with localcontext() as context:
        context.prec = 60  # exact for anything below 10**21 base units
        exact = amount.quantize(Decimal(1).scaleb(-decimals))
        if exact != amount:
            raise CreateTransferError("amount decimals invalid")
        units = int(exact.scaleb(decimals))
    if units > U64_MAX:
        raise CreateTransferError(f"amount {amount} is too large for a token amount")
    return units


async def _transfer_instructions(
    client: AsyncClient, payer: Pubkey, request: TransferRequest, bad: BadPayment
) -> list[Instruction]:
    recipient = bad.recipient or request.recipient
    amount = bad.amount if bad.amount is not None else request.amount
    if amount is None:
        raise CreateTransferError("the request has no amount; pass one explicitly")
    mint = request.spl_token if bad.mint is None else (None if bad.mint == SOL else bad.mint)
    instructions: list[Instruction] = []
    if mint is None:
        lamports = _base_units(amount, SOL_DECIMALS)
        main = transfer(TransferParams(from_pubkey=payer, to_pubkey=recipient, lamports=lamports))
    else:
        decimals, token_program = await _mint_decimals(client, mint)
        if token_program not in TOKEN_PROGRAMS:
            raise CreateTransferError("mint owner is not a token program")
        units = _base_units(amount, decimals)
        source = associated_token_address(payer, mint, token_program)
        destination = associated_token_address(recipient, mint, token_program)
        existing = (await client.get_account_info(destination, commitment=Confirmed)).value
        if existing is None:
            instructions.append(
                create_associated_token_account_idempotent(payer, recipient, mint, token_program)
            )
        # A wrong decimals argument makes TransferChecked fail on chain.
        main = transfer_checked(source, mint, destination, payer, units,
                                decimals + 1 if bad.fail else decimals, token_program)
    references = [] if bad.drop_references else list(request.references)
    references += bad.extra_references
    main = Instruction(
        main.program_id,
        main.data,
        list(main.accounts) + [AccountMeta(r, is_signer=False, is_writable=False)
                               for r in references],
    )
    memo = None if bad.omit_memo else (bad.memo if bad.memo is not None else request.memo)
    if bad.fail and mint is None:
        # SOL transfers have no decimals to get wrong: an invalid-UTF-8 memo fails instead.
        instructions.append(Instruction(MEMO_PROGRAM, b"\xff\xfe", []))
    elif memo is not None:
        instructions.append(Instruction(MEMO_PROGRAM, memo.encode("utf-8"), []))
    instructions.append(main)
    return instructions


def _sign(payer: Keypair, instructions: list[Instruction], blockhash, version: int | None):
    if version is None:
        message = Message.new_with_blockhash(instructions, payer.pubkey(), blockhash)
    else:
        message = MessageV0.try_compile(payer.pubkey(), instructions, [], blockhash)
    return VersionedTransaction(message, [payer])


async def schedule_fork(rpc_url: str, signature: str) -> int:
    """Ask the localnet to roll this transaction back once it is confirmed."""
    async with httpx.AsyncClient() as http:
        response = await http.post(rpc_url, json={
            "jsonrpc": "2.0", "id": 1, "method": "localnet_scheduleDrop", "params": [signature],
        })
    body = response.json()
    if "error" in body:
        raise RuntimeError(f"localnet_scheduleDrop failed: {body['error']['message']}")
    return body["result"]


async def pay_transfer_request(
    url: str, *, rpc_url: str, payer: Keypair, bad: BadPayment | None = None
) -> list[str]:
    """Pay a transfer-request URL; returns the signature of each transaction sent."""
    bad = bad or BadPayment()
    request = parse_transfer_request(url)
    signatures: list[str] = []
    async with AsyncClient(rpc_url, commitment=Confirmed) as client:
        for attempt in range(bad.times):
            instructions = await _transfer_instructions(client, payer.pubkey(), request, bad)
            if attempt:
                # A repeat payment must be a distinct transaction even within one blockhash.
                instructions.insert(0, set_compute_unit_limit(200_000 + attempt))
            blockhash = (await client.get_latest_blockhash(Confirmed)).value.blockhash
            tx = _sign(payer, instructions, blockhash, bad.version)
            opts = TxOpts(skip_preflight=bad.skip_preflight or bad.fail,
                          preflight_commitment=Confirmed)
            signature = str((await client.send_raw_transaction(bytes(tx), opts)).value)
            signatures.append(signature)
            if bad.fork:
                await schedule_fork(rpc_url, signature)
    return signatures
