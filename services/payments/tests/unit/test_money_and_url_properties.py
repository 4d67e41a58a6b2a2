"""Property tests: conversions are exact inverses; our URLs always parse back to themselves."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from walletreports.contracts.money import BIGINT_MAX
from walletreports.payments.domain import (
    Currency,
    TransferRequest,
    build_transfer_request_url,
    format_amount,
    from_base_units,
    parse_transfer_request_url,
    to_base_units,
)

decimals = st.integers(min_value=0, max_value=9)
base_units = st.integers(min_value=0, max_value=BIGINT_MAX)
owners = st.binary(min_size=32, max_size=32).map(lambda seed: Keypair.from_seed(seed).pubkey())
keys = st.binary(min_size=32, max_size=32).map(Pubkey)
# Any text UTF-8 can carry, plus the characters URL encoding gets wrong most often.
texts = st.text(alphabet=st.characters(codec="utf-8")) | st.text(alphabet=" &=%#?+/:;,.'\"\n\t")


@given(base_units, decimals)
def test_base_units_round_trip_through_user_units(units, places):
    assert to_base_units(from_base_units(units, places), places) == units


@given(base_units, decimals)
def test_formatted_amount_round_trips_and_is_plain(units, places):
    text = format_amount(units, places)
    assert "e" not in text.lower()
    assert text.replace(".", "", 1).isdigit() and text.isascii()
    if "." in text:
        whole, fraction = text.split(".")
        assert whole and fraction and not fraction.endswith("0")
        assert len(fraction) <= places
    assert text == "0" or not text.startswith("0") or text.startswith("0.")
    assert to_base_units(Decimal(text), places) == units


@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=0), decimals)
def test_user_amounts_either_convert_exactly_or_are_refused(amount, places):
    from walletreports.payments.domain import InvalidAmount

    try:
        units = to_base_units(amount, places)
    except InvalidAmount as error:
        assert error.reason in {"too_many_decimals", "too_large"}
    else:
        assert from_base_units(units, places) == amount


@given(
    owners,
    st.sampled_from(Currency),
    st.none() | st.integers(min_value=0, max_value=10**15),
    st.lists(keys, min_size=1, max_size=3),
    st.none() | texts,
    st.none() | texts,
    st.none() | texts,
)
def test_built_urls_parse_back_to_what_was_asked(
    owner, currency, units, references, label, message, memo
):
    url = build_transfer_request_url(
        recipient=owner,
        currency=currency,
        amount_base_units=units,
        references=references,
        label=label,
        message=message,
        memo=memo,
    )
    assert url.isascii() and " " not in url and "#" not in url
    request = parse_transfer_request_url(url)
    assert request == TransferRequest(
        recipient=owner,
        amount=None if units is None else from_base_units(units, currency.decimals),
        spl_token=currency.mint,
        references=tuple(references),
        label=label,
        message=message,
        memo=memo,
    )
    assert request.currency is currency
    assert request.amount_base_units == units
