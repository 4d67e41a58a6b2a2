"""Solana Pay transfer-request URLs, built and parsed exactly per the spec.

https://docs.solanapay.com/spec :

    solana:<recipient>?amount=<amount>&spl-token=<mint>&reference=<ref>&label=<label>
        &message=<message>&memo=<memo>

A wallet pays what the URL says, so the URL is the invoice as far as the payer is
concerned: a wrong recipient, mint or amount loses money or strands it. Hence:

- `recipient` is the merchant's *owner* address (the wallet derives the associated token
  account itself). `build_transfer_request_url` refuses an address off the ed25519
  curve: an ATA is a PDA, so that catches "the USDC account was configured instead".
- `amount` is in user units, plain digits (no exponent, leading zero below 1), never
  more decimals than the mint has; omitted, the wallet asks the payer for one.
- `spl-token` names the mint; it is absent for native SOL.
- `reference` may repeat; each is a 32-byte public key the transfer must carry (the
  watcher finds the invoice's transaction by it).
- `label`, `message`, `memo` are percent-encoded UTF-8. The builder encodes every byte
  but the RFC 3986 unreserved ones, so `&`, `=`, `#`, `%`, `+`, `?` and spaces never leak.

The parser is strict where the spec (or RFC 3986) forbids something, so a URL it accepts
means one thing to every wallet: a bad public key, an amount in another notation or with
too many decimals, a repeated single-valued parameter, a malformed percent escape,
invalid UTF-8, or characters a URL cannot hold raw (spaces, non-ASCII, `#`) are refused
with an `InvalidInput` naming the field. Parameters the spec does not define are ignored,
as wallets do, so extensions do not break parsing. `+` in a value decodes to a space
(what `@solana/pay`'s `parseURL` does through URLSearchParams).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote, unquote

from solders.pubkey import Pubkey

from walletreports.kit.errors import InvalidInput

from .money import Currency, InvalidAmount, currency_for_mint, format_amount, to_base_units

__all__ = [
    "SCHEME",
    "InvalidLabel",
    "InvalidMemo",
    "InvalidMessage",
    "InvalidRecipient",
    "InvalidReference",
    "InvalidSplToken",
    "InvalidTransferRequest",
    "TransferRequest",
    "build_transfer_request_url",
    "parse_transfer_request_url",
]

SCHEME = "solana:"

# The spec's amount: a non-negative integer or decimal with `.`; ASCII digits only (\d
# would accept other scripts' digits) and fullmatch (a `$` would let a "\n" through).
_AMOUNT = re.compile(r"[0-9]+(?:\.[0-9]+)?")
# What RFC 3986 lets a URL's path and query hold raw; everything else must be %-escaped.
_URL_CHARS = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")

_SINGLE = ("amount", "spl-token", "label", "message", "memo")


class InvalidTransferRequest(InvalidInput):
    """The URL as a whole is not a transfer request (`field` says which part is wrong)."""

    code = "invalid_transfer_request"

    def __init__(self, message: str, *, field: str = "url") -> None:
        super().__init__(message, field=field)


class InvalidRecipient(InvalidTransferRequest):
    code = "invalid_recipient"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="recipient")


class InvalidSplToken(InvalidTransferRequest):
    code = "invalid_spl_token"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="spl-token")


class InvalidReference(InvalidTransferRequest):
    code = "invalid_reference"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="reference")


class InvalidLabel(InvalidTransferRequest):
    code = "invalid_label"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="label")


class InvalidMessage(InvalidTransferRequest):
    code = "invalid_message"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="message")


class InvalidMemo(InvalidTransferRequest):
    code = "invalid_memo"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="memo")


_TEXT_ERRORS: dict[str, type[InvalidTransferRequest]] = {
    "label": InvalidLabel,
    "message": InvalidMessage,
    "memo": InvalidMemo,
}


@dataclass(frozen=True, slots=True)
class TransferRequest:
    """A parsed transfer request. `amount` is in user units; None means "payer chooses"."""

    recipient: Pubkey
    amount: Decimal | None = None
    spl_token: Pubkey | None = None
    references: tuple[Pubkey, ...] = ()
    label: str | None = None
    message: str | None = None
    memo: str | None = None

    @property
    def currency(self) -> Currency | None:
        """The accepted currency it asks for (SOL without spl-token); None for other mints."""
        return currency_for_mint(self.spl_token)

    @property
    def amount_base_units(self) -> int | None:
        """`amount` in base units of an accepted currency (None when no amount is asked).

        Raises `InvalidSplToken` for a mint payments does not accept: its decimals are
        unknown here, so no exact conversion exists.
        """
        if self.amount is None:
            return None
        currency = self.currency
        if currency is None:
            raise InvalidSplToken(f"spl-token {self.spl_token} is not an accepted currency")
        return to_base_units(self.amount, currency.decimals)


def _pubkey(value: object, error: type[InvalidTransferRequest], what: str) -> Pubkey:
    if isinstance(value, Pubkey):
        return value
    if not isinstance(value, str):
        raise error(f"{what} must be a base58 public key, got {type(value).__name__}")
    try:
        key = Pubkey.from_string(value)
    except ValueError as exc:
        raise error(f"{what} {value!r} is not a base58 32-byte public key") from exc
    if str(key) != value:  # no alternative spellings of one key
        raise error(f"{what} {value!r} is not a canonical base58 public key")
    return key


def _encode_text(name: str, value: object) -> str:
    error = _TEXT_ERRORS[name]
    if not isinstance(value, str):
        raise error(f"{name} must be a string, got {type(value).__name__}")
    try:
        return quote(value, safe="", encoding="utf-8", errors="strict")
    except UnicodeEncodeError as exc:
        raise error(f"{name} is not encodable as UTF-8 (a lone surrogate?)") from exc


def build_transfer_request_url(
    *,
    recipient: Pubkey | str,
    currency: Currency,
    amount_base_units: int | None,
    references: Iterable[Pubkey | str] = (),
    label: str | None = None,
    message: str | None = None,
    memo: str | None = None,
) -> str:
    """The Solana Pay URL asking for `amount_base_units` of `currency` to `recipient`.

    Parameters come in the spec's order (amount, spl-token, reference..., label,
    message, memo), as `@solana/pay`'s `encodeURL` writes them; None leaves one out.
    """
    owner = _pubkey(recipient, InvalidRecipient, "recipient")
    if not owner.is_on_curve():
        raise InvalidRecipient(
            f"recipient {owner} is off the ed25519 curve (a token account or other PDA?); "
            "a transfer request names the owner wallet, the wallet derives its token account"
        )
    params: list[str] = []
    if amount_base_units is not None:
        params.append(f"amount={format_amount(amount_base_units, currency.decimals)}")
    if currency.mint is not None:
        params.append(f"spl-token={currency.mint}")
    params.extend(f"reference={_pubkey(r, InvalidReference, 'reference')}" for r in references)
    for name, value in (("label", label), ("message", message), ("memo", memo)):
        if value is not None:
            params.append(f"{name}={_encode_text(name, value)}")
    url = f"{SCHEME}{owner}"
    return f"{url}?{'&'.join(params)}" if params else url


def _field_error(name: str, message: str) -> InvalidTransferRequest:
    text_error = _TEXT_ERRORS.get(name)
    if text_error is not None:
        return text_error(message)
    return InvalidTransferRequest(message, field=name)


def _decode(name: str, raw: str) -> str:
    if _BAD_ESCAPE.search(raw):
        raise _field_error(name, f"{name} has a malformed percent escape")
    try:
        return unquote(raw.replace("+", " "), encoding="utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise _field_error(name, f"{name} is not percent-encoded UTF-8") from exc


def _parse_amount(raw: str, spl_token: Pubkey | None) -> Decimal:
    if not _AMOUNT.fullmatch(raw):
        raise InvalidAmount(
            f"amount {raw!r} is not a plain non-negative decimal (digits, optionally '.' and "
            "digits; no sign, exponent or bare '.')",
            reason="malformed",
        )
    amount = Decimal(raw)
    currency = currency_for_mint(spl_token)
    if currency is not None:
        # Counted as written: the spec says a URL with more decimal places than the mint
        # is malformed, even when the extra places are zeros.
        places = len(raw.partition(".")[2])
        if places > currency.decimals:
            raise InvalidAmount(
                f"amount {raw} has {places} decimal places; {currency} has {currency.decimals}",
                reason="too_many_decimals",
            )
        to_base_units(amount, currency.decimals)  # and it must fit a BIGINT
    return amount


def parse_transfer_request_url(url: str) -> TransferRequest:
    """Parse a transfer-request URL, refusing anything the spec does not allow."""
    if not isinstance(url, str):
        raise InvalidTransferRequest(f"url must be a string, got {type(url).__name__}")
    if not url.startswith(SCHEME):
        raise InvalidTransferRequest("a Solana Pay URL starts with 'solana:'")
    body = url[len(SCHEME) :]
    if not _URL_CHARS.fullmatch(body):
        raise InvalidTransferRequest(
            "url holds characters that must be percent-encoded (spaces, '#', non-ASCII, ...)"
        )
    path, has_query, query = body.partition("?")
    if path.lower().startswith(("http:", "https:", "http%3a", "https%3a")):
        raise InvalidTransferRequest("this is a transaction request, not a transfer request")
    recipient = _pubkey(path, InvalidRecipient, "recipient")

    raw: dict[str, str] = {}
    references: list[Pubkey] = []
    for part in query.split("&") if has_query else ():
        key_raw, has_value, value = part.partition("=")
        if not key_raw or not has_value:
            raise InvalidTransferRequest(f"query part {part!r} is not name=value")
        key = _decode("parameter name", key_raw)
        if key == "reference":
            references.append(_pubkey(_decode(key, value), InvalidReference, "reference"))
        elif key in _SINGLE:
            if key in raw:
                raise InvalidTransferRequest(f"{key} may appear only once", field=key)
            raw[key] = value
        # Any other parameter is not the spec's: ignored, as wallets do.

    spl_token = None
    if "spl-token" in raw:
        spl_token = _pubkey(_decode("spl-token", raw["spl-token"]), InvalidSplToken, "spl-token")
    amount = _parse_amount(raw["amount"], spl_token) if "amount" in raw else None
    texts = {name: _decode(name, raw[name]) for name in _TEXT_ERRORS if name in raw}
    return TransferRequest(
        recipient=recipient,
        amount=amount,
        spl_token=spl_token,
        references=tuple(references),
        label=texts.get("label"),
        message=texts.get("message"),
        memo=texts.get("memo"),
    )
