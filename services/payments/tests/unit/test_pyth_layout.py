"""Decoding Pyth's PriceUpdateV2 account from bytes built here with struct.pack in the
published layout (independently of the decoder), and refusing broken ones."""

from __future__ import annotations

import hashlib
import struct
from decimal import Decimal

import pytest

from walletreports.payments.adapters.rate_sources.pyth_layout import (
    DISCRIMINATOR,
    PRICE_UPDATE_V2_LEN,
    PriceUpdateLayoutError,
    decode_price_update_v2,
    scaled,
)
from walletreports.payments.adapters.rate_sources.pyth_onchain import SOL_USD_FEED_ID

AUTHORITY = bytes(range(32))


def account(
    *,
    price: int = 14_512_345_678,
    conf: int = 7_654_321,
    exponent: int = -8,
    publish_time: int = 1_740_830_400,
    partial: int | None = None,
    feed: bytes = SOL_USD_FEED_ID,
    discriminator: bytes | None = None,
) -> bytes:
    """A PriceUpdateV2 account's data, padded to the allocated 134 bytes."""
    disc = discriminator or hashlib.sha256(b"account:PriceUpdateV2").digest()[:8]
    level = struct.pack("<B", 1) if partial is None else struct.pack("<BB", 0, partial)
    message = struct.pack(
        "<32sqQiqqqQ", feed, price, conf, exponent, publish_time, publish_time - 1, 1, 2
    )
    data = disc + AUTHORITY + level + message + struct.pack("<Q", 321_000_000)
    return data.ljust(134, b"\0")


def test_layout_constants_match_the_published_ones():
    assert PRICE_UPDATE_V2_LEN == 134
    assert bytes([34, 241, 35, 99, 157, 126, 244, 205]) == DISCRIMINATOR


def test_a_fully_verified_update_decodes_field_by_field():
    update = decode_price_update_v2(account())
    assert update.fully_verified and update.num_signatures is None
    assert update.write_authority == AUTHORITY
    assert update.feed_id == SOL_USD_FEED_ID
    assert (update.price, update.conf, update.exponent) == (14_512_345_678, 7_654_321, -8)
    assert (update.publish_time, update.prev_publish_time) == (1_740_830_400, 1_740_830_399)
    assert (update.ema_price, update.ema_conf, update.posted_slot) == (1, 2, 321_000_000)
    assert scaled(update.price, update.exponent) == Decimal("145.12345678")
    assert str(scaled(update.conf, update.exponent)) == "0.07654321"


def test_a_partial_update_decodes_with_its_signature_count():
    update = decode_price_update_v2(account(partial=5))
    assert not update.fully_verified and update.num_signatures == 5
    assert update.price == 14_512_345_678 and update.posted_slot == 321_000_000


def test_extreme_integers_round_trip_exactly():
    data = account(price=-(2**63), conf=2**64 - 1, exponent=-(2**31), publish_time=2**63 - 1)
    update = decode_price_update_v2(data)
    assert (update.price, update.conf, update.exponent) == (-(2**63), 2**64 - 1, -(2**31))
    assert scaled(2**64 - 1, -8) == Decimal("184467440737.09551615")
    assert scaled(-5, 3) == Decimal("-5E+3") and scaled(0, -8) == 0


@pytest.mark.parametrize("length", [0, 8, 133, 135, 200])
def test_wrong_size_is_refused(length):
    data = account().ljust(length, b"\0")[:length]
    with pytest.raises(PriceUpdateLayoutError, match="134 bytes"):
        decode_price_update_v2(data)


def test_wrong_discriminator_is_refused():
    other = hashlib.sha256(b"account:TwapUpdate").digest()[:8]
    with pytest.raises(PriceUpdateLayoutError, match="discriminator"):
        decode_price_update_v2(account(discriminator=other))


def test_unknown_verification_tag_is_refused():
    data = bytearray(account())
    data[40] = 2
    with pytest.raises(PriceUpdateLayoutError, match="verification"):
        decode_price_update_v2(bytes(data))


def test_garbage_in_the_unused_byte_is_refused():
    data = bytearray(account())
    data[-1] = 1
    with pytest.raises(PriceUpdateLayoutError, match="unused"):
        decode_price_update_v2(bytes(data))
