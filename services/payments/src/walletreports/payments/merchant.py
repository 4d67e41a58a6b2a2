"""The merchant's receiving address, checked the way a wallet will use it.

A Solana Pay recipient is the merchant's *owner* wallet: the payer's wallet derives the
USDC/USDT associated token accounts from it. An address off the ed25519 curve is a PDA
(most likely the USDC token account pasted instead of the wallet): money sent "to" it
would be stranded, so it is refused at start rather than discovered in a first payment.
"""

from __future__ import annotations

from solders.pubkey import Pubkey


def check_merchant_address(value: str) -> str:
    """`value` as a canonical base58 public key on the curve, or ValueError saying why."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be the merchant's Solana wallet address (base58)")
    check_account_address(value)
    if not Pubkey.from_string(value).is_on_curve():
        raise ValueError(
            f"{value} is off the ed25519 curve (a token account or other PDA?); "
            "give the merchant's owner wallet, not its token account"
        )
    return value


def check_account_address(value: str) -> str:
    """`value` as a canonical base58 public key (any account: a PDA is fine), or ValueError."""
    try:
        key = Pubkey.from_string(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a base58 32-byte Solana public key") from None
    if str(key) != value:
        raise ValueError(f"{value!r} is not a canonical base58 public key (did you mean {key}?)")
    return value
