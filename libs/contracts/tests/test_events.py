import uuid
from datetime import datetime
from decimal import Decimal

import pytest

from walletreports.contracts import EVENTS, InvalidEvent, parse_event
from walletreports.contracts.orders import OrderCreated
from walletreports.contracts.payments import PaymentFinalized

SIGNATURE = "5" * 88


def _order_created(**overrides):
    fields = dict(
        order_id=uuid.uuid4(),
        user_id=uuid.uuid4(),
        product="wallet_report",
        wallet_address="0x52908400098527886E0F7030069857D2E4169EE7",
        price_usd=Decimal("25.00"),
        payment_required=True,
        description="Wallet report",
    )
    return OrderCreated(**(fields | overrides))


def test_round_trip_keeps_decimal_and_ids():
    event = _order_created()
    parsed = parse_event(event.subject, event.model_dump_json())
    assert parsed == event
    assert isinstance(parsed.price_usd, Decimal)
    assert '"price_usd":"25.00"' in event.model_dump_json()


def test_every_subject_is_versioned_and_names_its_producer():
    for subject, cls in EVENTS.items():
        assert subject.split(".")[0] == cls.producer
        assert subject.rsplit(".", 1)[1].startswith("v")


@pytest.mark.parametrize(
    ("subject", "body", "message"),
    [
        ("orders.order.nope.v1", "{}", "unknown event subject 'orders.order.nope.v1'"),
        ("orders.order.created.v1", "not json", "orders.order.created.v1 is malformed"),
        ("orders.order.created.v1", "{}", "order_id: Field required"),
    ],
)
def test_bad_events_name_the_problem(subject, body, message):
    with pytest.raises(InvalidEvent) as info:
        parse_event(subject, body)
    assert message in str(info.value)


def test_float_amounts_and_negative_base_units_are_refused():
    base = dict(
        invoice_id=uuid.uuid4(), order_id=uuid.uuid4(), signature=SIGNATURE, currency="USDC", slot=1
    )
    with pytest.raises(ValueError, match="amount_base_units"):
        PaymentFinalized(**base, amount_base_units=25.0)
    with pytest.raises(ValueError, match="amount_base_units"):
        PaymentFinalized(**base, amount_base_units=-1)
    with pytest.raises(ValueError, match="amount_base_units"):
        PaymentFinalized(**base, amount_base_units=2**63)  # past BIGINT: no consumer could store it
    assert PaymentFinalized(**base, amount_base_units=2**63 - 1).amount_base_units == 2**63 - 1
    with pytest.raises(ValueError, match="price_usd"):
        _order_created(price_usd=Decimal("25.001"))


@pytest.mark.parametrize("signature", ["", "sig-1", "0" * 88, "5" * 89])
def test_a_payment_without_a_real_signature_is_refused(signature):
    body = (
        PaymentFinalized(
            invoice_id=uuid.uuid4(),
            order_id=uuid.uuid4(),
            signature=SIGNATURE,
            currency="USDC",
            slot=1,
            amount_base_units=1,
        )
        .model_dump_json()
        .replace(SIGNATURE, signature)
    )
    with pytest.raises(InvalidEvent, match="signature"):
        parse_event(PaymentFinalized.subject, body)


def test_naive_timestamps_are_refused():
    with pytest.raises(ValueError, match="timezone"):
        _order_created(occurred_at=datetime(2026, 1, 1))


def test_an_unknown_field_from_a_newer_producer_is_ignored_not_refused():
    event = _order_created()
    body = event.model_dump_json()[:-1] + ',"coupon_code":"NEW-FIELD"}'
    assert parse_event(event.subject, body) == event
