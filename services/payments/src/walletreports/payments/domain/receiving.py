"""Where the merchant receives money, and what a promised transfer request expects.

The watcher polls exactly these accounts (one per accepted currency): the merchant's
owner address for SOL and its associated token account for each stablecoin mint. Their
number, not the number of open invoices, sets the RPC calls of an idle poll.
"""

from __future__ import annotations

from dataclasses import dataclass

from solders.pubkey import Pubkey

from .money import Currency
from .solana_pay import parse_transfer_request_url
from .transfer_validation import ExpectedTransfer, associated_token_address

__all__ = ["ReceivingAccount", "expected_transfer", "receiving_accounts"]


@dataclass(frozen=True, slots=True)
class ReceivingAccount:
    address: str
    currency: Currency


def receiving_accounts(merchant: str) -> tuple[ReceivingAccount, ...]:
    owner = Pubkey.from_string(merchant)
    accounts = []
    for currency in Currency:
        if currency.mint is None:
            accounts.append(ReceivingAccount(str(owner), currency))
        else:
            address = associated_token_address(owner, currency.mint)
            accounts.append(ReceivingAccount(str(address), currency))
    return tuple(accounts)


def expected_transfer(url: str) -> ExpectedTransfer:
    """What a payment of this promised Solana Pay URL must look like on chain: the URL
    is the promise (recipient, mint, reference, memo), so a transaction is judged
    against exactly it, even if the merchant or label are reconfigured later."""
    request = parse_transfer_request_url(url)
    currency = request.currency
    if currency is None or len(request.references) != 1:
        raise ValueError(f"not a URL this service promised: {url}")
    return ExpectedTransfer(
        recipient=request.recipient,
        mint=currency.mint,
        decimals=currency.decimals,
        reference=request.references[0],
        memo=request.memo,
    )
