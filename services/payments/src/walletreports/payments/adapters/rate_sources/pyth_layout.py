"""The bytes of a Pyth Solana Receiver `PriceUpdateV2` account, decoded by hand.

Published layout (pyth-solana-receiver-sdk `price_update.rs`; Anchor account, Borsh,
all little-endian):

    discriminator       [u8; 8]   sha256("account:PriceUpdateV2")[:8]
    write_authority     [u8; 32]
    verification_level  enum      0 = Partial { num_signatures: u8 } (2 bytes), 1 = Full (1)
    price_message:
        feed_id           [u8; 32]
        price             i64
        conf              u64
        exponent          i32
        publish_time      i64      unix seconds
        prev_publish_time i64
        ema_price         i64
        ema_conf          u64
    posted_slot         u64

The account is allocated at `PriceUpdateV2::LEN` = 134 bytes (room for Partial), so a
Full update leaves one unused byte at the end. Anything else (another size, another
discriminator, an unknown verification tag, a non-zero unused byte) is refused: this
decoder reads money-deciding numbers and guesses nothing.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from decimal import Decimal

__all__ = [
    "DISCRIMINATOR",
    "PRICE_UPDATE_V2_LEN",
    "PriceUpdateLayoutError",
    "PriceUpdateV2",
    "decode_price_update_v2",
    "scaled",
]

DISCRIMINATOR = hashlib.sha256(b"account:PriceUpdateV2").digest()[:8]
PRICE_UPDATE_V2_LEN = 8 + 32 + 2 + 32 + 8 + 8 + 4 + 8 + 8 + 8 + 8 + 8

_HEADER = struct.Struct("<8s32sB")  # discriminator, write_authority, verification tag
# feed_id, price, conf, exponent, publish_time, prev_publish_time, ema_price, ema_conf,
# posted_slot
_BODY = struct.Struct("<32sqQiqqqQQ")
_PARTIAL, _FULL = 0, 1


class PriceUpdateLayoutError(ValueError):
    """The bytes are not a well-formed `PriceUpdateV2` account."""


@dataclass(frozen=True, slots=True)
class PriceUpdateV2:
    """One decoded price update; `price` and `conf` are raw integers scaled by
    10**exponent (see `scaled`). `num_signatures` is None for a Full verification."""

    write_authority: bytes
    fully_verified: bool
    num_signatures: int | None
    feed_id: bytes
    price: int
    conf: int
    exponent: int
    publish_time: int
    prev_publish_time: int
    ema_price: int
    ema_conf: int
    posted_slot: int


def decode_price_update_v2(data: bytes) -> PriceUpdateV2:
    """Decode an account's data, or raise `PriceUpdateLayoutError` saying what is wrong."""
    if len(data) != PRICE_UPDATE_V2_LEN:
        raise PriceUpdateLayoutError(
            f"a PriceUpdateV2 account is {PRICE_UPDATE_V2_LEN} bytes, got {len(data)}"
        )
    discriminator, write_authority, tag = _HEADER.unpack_from(data, 0)
    if discriminator != DISCRIMINATOR:
        raise PriceUpdateLayoutError(
            f"not a PriceUpdateV2 account (discriminator {discriminator.hex()})"
        )
    offset = _HEADER.size
    num_signatures: int | None
    if tag == _PARTIAL:
        num_signatures = data[offset]
        offset += 1
    elif tag == _FULL:
        num_signatures = None
    else:
        raise PriceUpdateLayoutError(f"unknown verification level tag {tag}")
    fields = _BODY.unpack_from(data, offset)
    if any(data[offset + _BODY.size :]):
        raise PriceUpdateLayoutError("the unused bytes after posted_slot are not zero")
    return PriceUpdateV2(write_authority, tag == _FULL, num_signatures, *fields)


def scaled(value: int, exponent: int) -> Decimal:
    """`value * 10**exponent` as an exact Decimal (no context rounding, no float)."""
    sign, digits, _ = Decimal(value).as_tuple()
    return Decimal((sign, digits, exponent))
