"""Parse a Solana Pay transfer-request URL:
`solana:<recipient>?amount=&spl-token=&reference=(repeatable)&label=&message=&memo=`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import parse_qsl, unquote

from solders.pubkey import Pubkey

# The spec allows a non-negative integer or decimal: no sign, exponent or bare dot. ASCII
# digits only (\d would take Arabic-Indic digits) and the whole value ($ allows a "\n").
_AMOUNT = re.compile(r"[0-9]+(\.[0-9]+)?")


class InvalidTransferRequest(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class TransferRequest:
    recipient: Pubkey
    amount: Decimal | None
    spl_token: Pubkey | None
    references: tuple[Pubkey, ...]
    label: str | None
    message: str | None
    memo: str | None


def _pubkey(text: str, what: str) -> Pubkey:
    try:
        return Pubkey.from_string(text)
    except ValueError as exc:
        raise InvalidTransferRequest(f"{what} is not a valid public key: {text!r}") from exc


def parse_transfer_request(url: str) -> TransferRequest:
    if not url.startswith("solana:"):
        raise InvalidTransferRequest("not a solana: URL")
    body = url[len("solana:"):]
    path, _, query = body.partition("?")
    if not path or path.startswith(("http:", "https:", "http%3A", "https%3A")):
        raise InvalidTransferRequest("this is a transaction request, not a transfer request")
    recipient = _pubkey(unquote(path), "recipient")
    amount = spl_token = label = message = memo = None
    references: list[Pubkey] = []
    for key, value in parse_qsl(query, keep_blank_values=True, strict_parsing=False):
        if key == "amount":
            if not _AMOUNT.fullmatch(value):
                raise InvalidTransferRequest(f"amount {value!r} is not a plain decimal")
            amount = Decimal(value)
        elif key == "spl-token":
            spl_token = _pubkey(value, "spl-token")
        elif key == "reference":
            references.append(_pubkey(value, "reference"))
        elif key == "label":
            label = value
        elif key == "message":
            message = value
        elif key == "memo":
            memo = value
    return TransferRequest(recipient, amount, spl_token, tuple(references), label, message, memo)
