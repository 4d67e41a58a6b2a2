"""Server-side validation of the EVM wallet address a report is ordered for.

Reports are expensive (Dune credits), so a mistyped address must be caught here, before
payment, not discovered as an empty report afterwards.
"""

from __future__ import annotations

import string

from eth_utils.address import is_checksum_address, to_checksum_address

from .errors import InvalidWalletAddress

_HEX_DIGITS = frozenset(string.hexdigits)
_ADDRESS_HEX_LENGTH = 40  # 20 bytes


def validate_wallet_address(value: object) -> str:
    """Return the EIP-55 checksummed form of `value` or raise `InvalidWalletAddress`.

    Accepted: `0x` + 40 hex digits, either all lowercase, all uppercase (neither carries
    a checksum) or mixed case that passes the EIP-55 checksum. Surrounding whitespace is
    trimmed, because addresses are pasted from explorers and wallets with stray spaces
    and newlines; whitespace inside the address is an error like any other non-hex
    character. The prefix must be a lowercase `0x` (that is how every wallet prints it).

    A failed checksum gets no "did you mean" suggestion: it means some character is
    wrong, and the checksummed spelling of the *same* digits is a different address only
    when the typo was a change of case. Suggesting it would steer the user to an address
    that is probably not theirs.
    """
    if not isinstance(value, str):
        raise InvalidWalletAddress(f"wallet_address must be a string, got {type(value).__name__}")
    address = value.strip()
    if not address:
        raise InvalidWalletAddress("wallet_address is required")
    if not address.startswith("0x"):
        raise InvalidWalletAddress("wallet_address must start with 0x")
    digits = address[2:]
    bad = sorted({ch for ch in digits if ch not in _HEX_DIGITS})
    if bad:
        shown = ", ".join(repr(ch) for ch in bad)
        raise InvalidWalletAddress(
            f"wallet_address must contain only hex digits 0-9 and a-f after 0x; found {shown}"
        )
    if len(digits) != _ADDRESS_HEX_LENGTH:
        raise InvalidWalletAddress(
            f"wallet_address must be {_ADDRESS_HEX_LENGTH} hex characters after 0x, "
            f"got {len(digits)}"
        )
    if digits.islower() or digits.isupper() or digits.isdigit():
        # No letters of mixed case: the address carries no checksum to verify.
        return to_checksum_address(address)
    if not is_checksum_address(address):
        raise InvalidWalletAddress(
            "wallet_address has an invalid EIP-55 checksum (the mix of upper and lower case "
            "letters does not match the address); check it for a typo"
        )
    return address
