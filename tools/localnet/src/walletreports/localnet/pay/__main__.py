"""`python -m walletreports.localnet.pay 'solana:…' [--rpc URL] [bad-payment flags]`

Pays a Solana Pay transfer-request URL from a funded localnet test wallet and prints each
transaction signature on its own line.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from decimal import Decimal, InvalidOperation

from solders.pubkey import Pubkey

from ..genesis import DEFAULT_SEED, wallet_keypair
from .transfer_request import InvalidTransferRequest
from .wallet import SOL, BadPayment, CreateTransferError, pay_transfer_request


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise argparse.ArgumentTypeError(f"not a decimal amount: {text!r}") from exc
    if not value.is_finite() or value <= 0:
        raise argparse.ArgumentTypeError(f"amount must be a finite number above zero: {text!r}")
    return value


def _int_at_least(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from exc
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}: {text!r}")
        return value

    return parse


def _pubkey(text: str) -> Pubkey:
    try:
        return Pubkey.from_string(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a public key: {text!r}") from exc


def _mint(text: str) -> Pubkey | str:
    return SOL if text.lower() == SOL else _pubkey(text)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m walletreports.localnet.pay",
                                description="Pay a Solana Pay transfer request on the localnet")
    p.add_argument("url", help="solana:<recipient>?amount=…&spl-token=…&reference=…")
    p.add_argument("--rpc", default=os.environ.get("LOCALNET_RPC_URL", "http://127.0.0.1:8899"))
    p.add_argument("--seed", default=os.environ.get("LOCALNET_SEED", DEFAULT_SEED),
                   help="the localnet's genesis seed (derives the test wallets)")
    p.add_argument("--wallet", type=_int_at_least(0), default=0, help="index of the funded test wallet")
    bad = p.add_argument_group("bad payments")
    bad.add_argument("--amount", type=_decimal, help="pay this amount instead (less or more)")
    bad.add_argument("--mint", type=_mint, help="pay with this mint instead, or 'sol'")
    bad.add_argument("--recipient", type=_pubkey, help="pay this recipient instead")
    bad.add_argument("--no-reference", action="store_true", help="leave the references out")
    bad.add_argument("--extra-reference", type=_pubkey, action="append", default=[],
                     help="also carry this reference (e.g. another invoice's): one signature, "
                          "two invoices")
    bad.add_argument("--no-memo", action="store_true", help="leave the memo out")
    bad.add_argument("--memo", help="use this memo instead of the requested one")
    bad.add_argument("--fail", action="store_true",
                     help="land a transaction that fails on chain (err set, fee charged)")
    bad.add_argument("--times", type=_int_at_least(1), default=1, help="pay N separate times (2 = pay twice)")
    bad.add_argument("--v0", action="store_true", help="send a v0 transaction, not legacy")
    bad.add_argument("--skip-preflight", action="store_true")
    bad.add_argument("--fork", action="store_true",
                     help="the localnet drops it after confirmation, before finality")
    return p


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    payer = wallet_keypair(args.seed, args.wallet)
    bad = BadPayment(
        amount=args.amount, mint=args.mint, recipient=args.recipient,
        drop_references=args.no_reference, extra_references=args.extra_reference,
        omit_memo=args.no_memo, memo=args.memo, fail=args.fail, times=args.times,
        version=0 if args.v0 else None, skip_preflight=args.skip_preflight, fork=args.fork,
    )
    try:
        signatures = asyncio.run(
            pay_transfer_request(args.url, rpc_url=args.rpc, payer=payer, bad=bad)
        )
    except (InvalidTransferRequest, CreateTransferError) as exc:
        print(f"pay: {exc}", file=sys.stderr)
        sys.exit(2)
    except Exception as exc:  # RPC errors, connection refused: say what, not a traceback
        print(f"pay: {type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(1)
    for signature in signatures:
        print(signature)


if __name__ == "__main__":
    main()
