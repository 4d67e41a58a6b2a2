"""The invoice transition table and the exact value arithmetic behind settling."""

from __future__ import annotations

from decimal import Decimal

import pytest

from walletreports.payments.domain.invoice_errors import IllegalInvoiceTransition
from walletreports.payments.domain.invoice_states import (
    ALLOWED_TRANSITIONS,
    Commitment,
    InvoiceStatus,
    check_transition,
)
from walletreports.payments.domain.invoice_value import (
    acceptance_bounds,
    sol_base_units,
    stablecoin_base_units,
    usd_value,
)

S = InvoiceStatus


def test_every_status_has_a_row_and_settled_is_final() -> None:
    assert set(ALLOWED_TRANSITIONS) == set(InvoiceStatus)
    assert ALLOWED_TRANSITIONS[S.SETTLED] == frozenset()


@pytest.mark.parametrize(
    ("src", "dst"), [(S.SETTLED, S.INVALID), (S.EXPIRED, S.PROCESSING), (S.INVALID, S.NEW)]
)
def test_illegal_edges_raise(src: InvoiceStatus, dst: InvoiceStatus) -> None:
    with pytest.raises(IllegalInvoiceTransition):
        check_transition(src, dst)


def test_staying_put_is_not_a_transition() -> None:
    check_transition(S.SETTLED, S.SETTLED)


def test_commitments_are_ordered() -> None:
    ranks = [c.rank for c in (Commitment.PROCESSED, Commitment.CONFIRMED, Commitment.FINALIZED)]
    assert ranks == sorted(ranks) and len(set(ranks)) == 3


def test_values_are_exact_decimals() -> None:
    assert usd_value("USDC", 1, Decimal(1)) == Decimal("0.000001")
    assert usd_value("SOL", 1, Decimal("123.456789")) == Decimal("0.000000123456789")
    assert stablecoin_base_units(Decimal("25.00"), "USDT") == 25_000_000
    with pytest.raises(ValueError, match="decimals"):
        stablecoin_base_units(Decimal("0.0000001"), "USDC")


def test_sol_amount_rounds_up_and_covers_the_price() -> None:
    assert sol_base_units(Decimal("15"), Decimal("150")) == 100_000_000  # exact
    lamports = sol_base_units(Decimal("25"), Decimal("150"))
    assert lamports == 166_666_667
    assert usd_value("SOL", lamports, Decimal("150")) >= Decimal("25")
    assert usd_value("SOL", lamports - 1, Decimal("150")) < Decimal("25")


def test_acceptance_bounds() -> None:
    assert acceptance_bounds(Decimal("25.00"), Decimal("0")) == (Decimal(25), Decimal(25))
    assert acceptance_bounds(Decimal("25.00"), Decimal("1.5")) == (
        Decimal("24.625"),
        Decimal("25.375"),
    )
