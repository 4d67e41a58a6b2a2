"""The transition table, cell by cell, and the events each legal transition publishes."""

from __future__ import annotations

import typing
from itertools import product

import pytest

from walletreports.contracts import money as contract_money
from walletreports.contracts import orders as contract_orders
from walletreports.orders.domain.errors import IllegalTransition
from walletreports.orders.domain.money import Currency
from walletreports.orders.domain.order import PaidVia
from walletreports.orders.domain.state_machine import (
    OrderEventName,
    OrderStatus,
    check_transition,
    events_for,
    is_allowed,
    status_for_analysis_outcome,
)

S = OrderStatus
E = OrderEventName

# Written out independently of the module's table, so a change there must be made here too.
LEGAL = {
    (S.PENDING_PAYMENT, S.PAYMENT_RECEIVED),
    (S.PENDING_PAYMENT, S.EXPIRED),
    (S.PENDING_PAYMENT, S.CANCELLED),
    (S.EXPIRED, S.PAYMENT_RECEIVED),
    (S.PAYMENT_RECEIVED, S.PROCESSING),
    (S.PAYMENT_RECEIVED, S.COMPLETED),
    (S.PAYMENT_RECEIVED, S.PARTIAL_COMPLETE),
    (S.PAYMENT_RECEIVED, S.FAILED),
    (S.PROCESSING, S.COMPLETED),
    (S.PROCESSING, S.PARTIAL_COMPLETE),
    (S.PROCESSING, S.FAILED),
    (S.PARTIAL_COMPLETE, S.PAYMENT_RECEIVED),
    (S.FAILED, S.PAYMENT_RECEIVED),
}

MATRIX = list(product(OrderStatus, OrderStatus))


@pytest.mark.parametrize(("from_status", "to_status"), MATRIX)
def test_transition_table(from_status, to_status):
    legal = (from_status, to_status) in LEGAL
    assert is_allowed(from_status, to_status) is legal
    if legal:
        check_transition(from_status, to_status)
    else:
        with pytest.raises(IllegalTransition) as excinfo:
            check_transition(from_status, to_status)
        assert excinfo.value.from_status == from_status.value
        assert excinfo.value.to_status == to_status.value
        assert excinfo.value.code == "illegal_transition"


EXPECTED_EVENTS = {
    (S.PENDING_PAYMENT, S.PAYMENT_RECEIVED): (E.PAID, E.STATUS_CHANGED),
    (S.EXPIRED, S.PAYMENT_RECEIVED): (E.PAID, E.STATUS_CHANGED),
    (S.PENDING_PAYMENT, S.EXPIRED): (E.EXPIRED, E.STATUS_CHANGED),
    (S.PENDING_PAYMENT, S.CANCELLED): (E.CANCELLED, E.STATUS_CHANGED),
    # Re-opening for a retry is not a payment.
    (S.PARTIAL_COMPLETE, S.PAYMENT_RECEIVED): (E.STATUS_CHANGED,),
    (S.FAILED, S.PAYMENT_RECEIVED): (E.STATUS_CHANGED,),
}


@pytest.mark.parametrize(("from_status", "to_status"), sorted(LEGAL))
def test_events_per_transition(from_status, to_status):
    expected = EXPECTED_EVENTS.get((from_status, to_status), (E.STATUS_CHANGED,))
    assert events_for(from_status, to_status) == expected


def test_no_status_transitions_to_itself():
    assert not any(is_allowed(s, s) for s in OrderStatus)


def test_completed_and_cancelled_are_final():
    assert not any(is_allowed(S.COMPLETED, s) or is_allowed(S.CANCELLED, s) for s in OrderStatus)


@pytest.mark.parametrize(
    ("outcome", "status"),
    [("completed", S.COMPLETED), ("partial", S.PARTIAL_COMPLETE), ("failed", S.FAILED)],
)
def test_analysis_outcome_maps_to_status(outcome, status):
    assert status_for_analysis_outcome(outcome) is status


def test_unknown_analysis_outcome():
    with pytest.raises(ValueError, match="unknown analysis outcome 'done'"):
        status_for_analysis_outcome("done")


def test_domain_vocabulary_matches_the_event_contracts():
    # The service copies these values into events; a drift would fail schema validation
    # at publish time, so catch it here.
    assert set(typing.get_args(contract_orders.OrderStatus)) == {s.value for s in OrderStatus}
    paid_via = typing.get_args(contract_orders.OrderPaid.model_fields["paid_via"].annotation)
    assert set(paid_via) == {v.value for v in PaidVia}
    assert set(typing.get_args(contract_money.Currency)) == {c.value for c in Currency}
    subjects = {
        cls.subject.removeprefix("orders.").removesuffix(".v1")
        for cls in (
            contract_orders.OrderPaid,
            contract_orders.OrderExpired,
            contract_orders.OrderCancelled,
            contract_orders.OrderStatusChanged,
        )
    }
    assert subjects == {e.value for e in OrderEventName}
