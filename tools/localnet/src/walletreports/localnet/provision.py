"""Provision a merchant on a cluster: a funded system account and an associated token
account (ATA) per mint, so that wallets can pay it.

The reference `@solana/pay` `createTransfer` refuses a recipient whose system account, or
whose ATA for the requested mint, does not exist; on the localnet nobody else creates
them. `provision_merchant` does, over plain JSON-RPC with ordinary signed transactions
paid by a funder:

- a System transfer of the shortfall only, when the owner holds fewer than `lamports`;
- the Associated Token Account program's CreateIdempotent for each missing ATA (classic
  SPL Token program).

It reads the accounts first (getMultipleAccounts) and sends nothing when they are all in
place, so a second call is a no-op (its report has no signatures). What it waits for:
every transaction it sent reaching `commitment` (getSignatureStatuses), "processed" by
default, which the localnet reaches the moment it executes a transaction, so a localnet
on a manual slot clock (slot_ms=0, the tests') never makes it hang; ask for "confirmed"
on a ticking clock (the CLI does). It then reads the accounts back and checks them.
Problems are a `ProvisionError` whose message says what: the RPC unreachable, a funder
that cannot pay, a mint that is no Token-program mint, a transaction refused or failed.

CLI, against a running localnet (mints and funder from its `localnet_info`: the genesis
mints, the genesis faucet):

    python -m walletreports.localnet.provision --owner ADDRESS [--rpc URL] [--mint ADDR ...]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import httpx
from solana.exceptions import SolanaRpcException
from solana.rpc.async_api import AsyncClient
from solana.rpc.core import RPCException, RPCNoResultException
from solana.rpc.models import TxOpts
from solders.account import Account
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.system_program import TransferParams, transfer
from solders.transaction import VersionedTransaction

from .genesis import GenesisConfig, faucet_keypair
from .programs import LAMPORTS_PER_SIGNATURE, LAMPORTS_PER_SOL, SYSTEM_PROGRAM, TOKEN_PROGRAM
from .token_instructions import associated_token_address, create_associated_token_account_idempotent
from .token_layout import TOKEN_ACCOUNT_SIZE, is_mint, is_token_account, unpack_token_account

COMMITMENTS = ("processed", "confirmed", "finalized")
DEFAULT_LAMPORTS = 10 * LAMPORTS_PER_SOL
# CreateIdempotent instructions per transaction: eight stay well under the 1232-byte limit.
ATAS_PER_TRANSACTION = 8
_MAX_ACCOUNTS_PER_READ = 100  # getMultipleAccounts' limit


class ProvisionError(Exception):
    """Provisioning could not be done; the message says why."""


@dataclass(frozen=True, slots=True)
class ProvisionReport:
    owner: Pubkey
    lamports: int  # the owner's balance afterwards (at least the lamports asked for)
    token_accounts: Mapping[Pubkey, Pubkey]  # mint -> the owner's ATA for it
    signatures: tuple[str, ...]  # transactions sent; empty when everything was in place

    @property
    def changed(self) -> bool:
        return bool(self.signatures)


def _rpc_failure(exc: Exception) -> str:
    """One line for what solana-py raised: the RPC's own message, or the transport error."""
    if isinstance(exc, RPCException) and exc.args:
        error = exc.args[0]
        return str(getattr(error, "message", error))
    cause = exc.__cause__ if isinstance(exc, SolanaRpcException) and exc.__cause__ else exc
    return f"{type(cause).__name__}: {cause}" if str(cause) else type(cause).__name__


async def _read(
    client: AsyncClient, keys: Sequence[Pubkey], commitment: str
) -> list[Account | None]:
    found: list[Account | None] = []
    for start in range(0, len(keys), _MAX_ACCOUNTS_PER_READ):
        chunk = list(keys[start : start + _MAX_ACCOUNTS_PER_READ])
        found += (await client.get_multiple_accounts(chunk, commitment=commitment)).value
    return found


def _sol(lamports: int) -> str:
    return f"{lamports / LAMPORTS_PER_SOL:,.9f}".rstrip("0").rstrip(".") + " SOL"


def _check_mint(mint: Pubkey, account: Account | None) -> None:
    if account is None:
        raise ProvisionError(f"mint {mint} does not exist on this cluster")
    if account.owner != TOKEN_PROGRAM or not is_mint(account.owner, bytes(account.data)):
        raise ProvisionError(
            f"{mint} is not a mint of the SPL Token program (owner {account.owner})"
        )


def _has_ata(owner: Pubkey, mint: Pubkey, ata: Pubkey, account: Account | None) -> bool:
    if account is None:
        return False
    data = bytes(account.data)
    if account.owner != TOKEN_PROGRAM or not is_token_account(account.owner, data):
        raise ProvisionError(f"{ata} (the ATA of {owner} for {mint}) is not a token account")
    state = unpack_token_account(data)
    if state.mint != mint or state.owner != owner:
        raise ProvisionError(
            f"{ata} holds mint {state.mint} for {state.owner}, not {mint} for {owner}"
        )
    return True


async def _wait_for(
    client: AsyncClient, signatures: list[Signature], commitment: str, timeout: float
) -> None:
    wanted = COMMITMENTS.index(commitment)
    deadline = time.monotonic() + timeout
    pending = list(signatures)
    while pending:
        statuses = (await client.get_signature_statuses(pending)).value
        still = []
        for signature, status in zip(pending, statuses, strict=True):
            if status is not None and status.err is not None:
                raise ProvisionError(f"transaction {signature} failed on chain: {status.err}")
            level = status.confirmation_status if status is not None else None
            # solders ranks them as COMMITMENTS does: Processed 0, Confirmed 1, Finalized 2.
            if level is None or int(level) < wanted:
                still.append(signature)
        pending = still
        if not pending:
            return
        if time.monotonic() > deadline:
            raise ProvisionError(
                f"transaction {pending[0]} not {commitment} within {timeout:.0f}s "
                f"(a manual slot clock? wait for 'processed' or advance the slots)"
            )
        await asyncio.sleep(0.05)


async def provision_merchant(
    rpc_url: str,
    owner: Pubkey,
    mints: Iterable[Pubkey],
    funder: Keypair,
    *,
    lamports: int = DEFAULT_LAMPORTS,
    commitment: str = "processed",
    timeout: float = 30.0,
) -> ProvisionReport:
    """Make sure `owner` has a system account with at least `lamports` and an ATA for each
    of `mints`, paid by `funder`; returns what is there and the signatures it sent."""
    if lamports < 0:
        raise ValueError("lamports must be >= 0")
    if commitment not in COMMITMENTS:
        raise ValueError(f"commitment must be one of {', '.join(COMMITMENTS)}")
    mint_list = list(dict.fromkeys(mints))
    atas = {mint: associated_token_address(owner, mint) for mint in mint_list}
    async with AsyncClient(rpc_url, commitment=commitment) as client:
        try:
            return await _provision(
                client, owner, mint_list, atas, funder, lamports, commitment, timeout
            )
        except (SolanaRpcException, httpx.HTTPError, OSError) as exc:
            raise ProvisionError(
                f"cannot reach the Solana RPC at {rpc_url}: {_rpc_failure(exc)}"
            ) from exc
        except (RPCException, RPCNoResultException) as exc:
            raise ProvisionError(
                f"the Solana RPC at {rpc_url} refused: {_rpc_failure(exc)}"
            ) from exc


async def _provision(
    client: AsyncClient,
    owner: Pubkey,
    mints: list[Pubkey],
    atas: dict[Pubkey, Pubkey],
    funder: Keypair,
    lamports: int,
    commitment: str,
    timeout: float,
) -> ProvisionReport:
    payer = funder.pubkey()
    keys = [owner, payer, *mints, *atas.values()]
    accounts = await _read(client, keys, commitment)
    owner_account, funder_account = accounts[0], accounts[1]
    mint_accounts = accounts[2 : 2 + len(mints)]
    ata_accounts = accounts[2 + len(mints) :]

    if owner_account is not None and owner_account.owner != SYSTEM_PROGRAM:
        raise ProvisionError(
            f"owner {owner} is not a system account (owned by {owner_account.owner})"
        )
    for mint, account in zip(mints, mint_accounts, strict=True):
        _check_mint(mint, account)
    missing = [
        mint
        for mint, account in zip(mints, ata_accounts, strict=True)
        if not _has_ata(owner, mint, atas[mint], account)
    ]
    balance = owner_account.lamports if owner_account is not None else 0
    shortfall = max(0, lamports - balance)
    if owner_account is None:
        rent = (await client.get_minimum_balance_for_rent_exemption(0)).value
        if lamports < rent:
            raise ProvisionError(
                f"owner {owner} has no account and {lamports} lamports is below the "
                f"rent-exempt minimum ({rent}) a new account needs"
            )
    if not shortfall and not missing:
        return ProvisionReport(owner, balance, dict(atas), ())

    batches: list[list[Instruction]] = []
    first: list[Instruction] = []
    if shortfall:
        first.append(
            transfer(TransferParams(from_pubkey=payer, to_pubkey=owner, lamports=shortfall))
        )
    creates = [create_associated_token_account_idempotent(payer, owner, mint) for mint in missing]
    first += creates[:ATAS_PER_TRANSACTION]
    batches.append(first)
    for start in range(ATAS_PER_TRANSACTION, len(creates), ATAS_PER_TRANSACTION):
        batches.append(creates[start : start + ATAS_PER_TRANSACTION])

    token_rent = (
        (await client.get_minimum_balance_for_rent_exemption(TOKEN_ACCOUNT_SIZE)).value
        if missing
        else 0
    )
    needed = shortfall + token_rent * len(missing) + LAMPORTS_PER_SIGNATURE * len(batches)
    funds = funder_account.lamports if funder_account is not None else 0
    if funds < needed:
        raise ProvisionError(
            f"the funder {payer} cannot pay: it holds {_sol(funds)}, provisioning {owner} "
            f"needs {_sol(needed)}"
        )

    blockhash = (await client.get_latest_blockhash(commitment)).value.blockhash
    sent: list[Signature] = []
    for instructions in batches:
        message = Message.new_with_blockhash(instructions, payer, blockhash)
        tx = VersionedTransaction(message, [funder])
        try:
            response = await client.send_raw_transaction(
                bytes(tx), TxOpts(preflight_commitment=commitment)
            )
        except RPCException as exc:
            raise ProvisionError(
                f"a transaction provisioning {owner} was refused: {_rpc_failure(exc)}"
            ) from exc
        sent.append(response.value)
    await _wait_for(client, sent, commitment, timeout)

    after = await _read(client, [owner, *atas.values()], commitment)
    if after[0] is None or after[0].lamports < lamports:
        raise ProvisionError(
            f"owner {owner} holds fewer than {lamports} lamports after provisioning"
        )
    for mint, account in zip(mints, after[1:], strict=True):
        if not _has_ata(owner, mint, atas[mint], account):
            raise ProvisionError(f"the ATA of {owner} for {mint} is missing after provisioning")
    return ProvisionReport(owner, after[0].lamports, dict(atas), tuple(str(s) for s in sent))


# ----- the command line ------------------------------------------------------------------


async def _localnet_info(rpc_url: str) -> dict:
    """The running localnet's seed, mints and faucet (its `localnet_info` method)."""
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            response = await http.post(
                rpc_url, json={"jsonrpc": "2.0", "id": 1, "method": "localnet_info"}
            )
            body = response.json()
    except httpx.HTTPError as exc:
        raise ProvisionError(
            f"cannot reach the Solana RPC at {rpc_url}: {type(exc).__name__}: {exc}"
        ) from exc
    except ValueError as exc:
        raise ProvisionError(f"{rpc_url} did not answer JSON-RPC") from exc
    if "error" in body:
        raise ProvisionError(
            f"{rpc_url} is not a walletreports localnet (localnet_info: {body['error'].get('message')})"
        )
    return body["result"]


def _describe(report: ProvisionReport, rpc_url: str, symbols: Mapping[Pubkey, str]) -> str:
    accounts = ", ".join(
        f"{symbols.get(mint, str(mint))} {ata}" for mint, ata in report.token_accounts.items()
    )
    what = (
        f"{len(report.signatures)} transaction{'s' if len(report.signatures) != 1 else ''} sent"
        if report.changed
        else "already in place, nothing sent"
    )
    return (
        f"merchant {report.owner} provisioned on {rpc_url}: {_sol(report.lamports)}, "
        f"token accounts {accounts or 'none'} ({what})"
    )


async def _run(args: argparse.Namespace) -> str:
    info = await _localnet_info(args.rpc)
    funder = faucet_keypair(GenesisConfig(seed=info["seed"]))
    if str(funder.pubkey()) != info.get("faucet"):
        raise ProvisionError(f"the localnet's faucet {info.get('faucet')} is not the seed's")
    symbols = {Pubkey.from_string(address): symbol for symbol, address in info["mints"].items()}
    mints = args.mint if args.mint else list(symbols)
    report = await provision_merchant(
        args.rpc,
        args.owner,
        mints,
        funder,
        lamports=args.lamports,
        commitment=args.commitment,
        timeout=args.timeout,
    )
    return _describe(report, args.rpc, symbols)


def _pubkey(text: str) -> Pubkey:
    try:
        return Pubkey.from_string(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a public key: {text!r}") from exc


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m walletreports.localnet.provision",
        description="Give a merchant a funded account and token accounts on the localnet",
    )
    p.add_argument("--owner", type=_pubkey, required=True, help="the merchant's owner address")
    p.add_argument("--rpc", default=os.environ.get("LOCALNET_RPC_URL", "http://127.0.0.1:8899"))
    p.add_argument(
        "--mint",
        type=_pubkey,
        action="append",
        default=[],
        help="an ATA for this mint (repeatable; default: the localnet's genesis mints)",
    )
    p.add_argument(
        "--lamports", type=int, default=DEFAULT_LAMPORTS, help="at least this balance (10 SOL)"
    )
    p.add_argument(
        "--commitment",
        choices=COMMITMENTS,
        default="confirmed",
        help="wait until the transactions reach this (processed on a manual slot clock)",
    )
    p.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for that")
    return p


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        line = asyncio.run(_run(args))
    except (ProvisionError, ValueError) as exc:
        print(f"provision: {exc}", file=sys.stderr)
        sys.exit(1)
    except Exception as exc:  # noqa: BLE001 - one line, not a traceback
        print(f"provision: {type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(1)
    print(line, flush=True)


if __name__ == "__main__":
    main()
