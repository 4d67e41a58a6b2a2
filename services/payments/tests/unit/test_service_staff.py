"""staff.* against the fake unit of work: the console's decisions on one invoice."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from walletreports.contracts.payments import InvoiceMarkedInvalid, InvoiceMarkedSettled
from walletreports.kit.errors import Conflict, InvalidInput, NotFound
from walletreports.payments.domain import (
    Commitment,
    IllegalInvoiceTransition,
    InvalidStaffAction,
    Invoice,
    InvoiceCancelled,
    InvoiceChange,
    InvoiceReason,
    InvoiceStatus,
    NoChange,
    Transfer,
    open_invoice,
)
from walletreports.payments.service_layer import staff
from walletreports.payments.service_layer.errors import InvoiceNotFound

from .fakes import FakeUnitOfWork, Load, as_port, unit_of_work

S = InvoiceStatus
NOW = datetime(2026, 2, 26, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)
REFERENCE = "4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T"
EMAIL = "grace@example.com"
REASON = "paid by bank transfer, checked by finance"


def an_invoice() -> Invoice:
    """A 25 USD invoice opened at NOW (USDC and USDT; SOL withdrawn)."""
    return open_invoice(
        invoice_id=uuid.uuid4(),
        order_id=uuid.uuid4(),
        user_id=uuid.uuid4(),
        reference=REFERENCE,
        price_usd=Decimal("25.00"),
        now=NOW,
        currencies=("USDC", "USDT"),
    )


def paid(invoice: Invoice) -> Invoice:
    """The invoice settled by a finalized USDC transfer of the whole price."""
    transfer = Transfer(
        signature="5" * 88,
        currency="USDC",
        amount_base_units=25_000_000,
        payer="Payer1111111111111111111111111111111111111",
        slot=100,
        commitment=Commitment.FINALIZED,
    )
    invoice.observe_transfer(transfer, now=NOW + timedelta(minutes=1))
    assert invoice.status is S.SETTLED
    return invoice


async def settle(uow: FakeUnitOfWork, invoice_id: uuid.UUID, now: datetime = LATER) -> object:
    return await staff.mark_settled(
        uow, invoice_id=invoice_id, staff_email=EMAIL, reason=REASON, now=now
    )


async def invalidate(uow: FakeUnitOfWork, invoice_id: uuid.UUID, now: datetime = LATER) -> object:
    return await staff.mark_invalid(
        uow, invoice_id=invoice_id, staff_email=EMAIL, reason=REASON, now=now
    )


def test_the_fake_has_the_ports_shape() -> None:
    assert as_port(unit_of_work()) is not None


# --- mark settled -------------------------------------------------------------------


async def test_mark_settled_settles_in_the_staff_members_name_and_tells_orders() -> None:
    invoice = an_invoice()
    uow = unit_of_work(invoice)

    outcome = await settle(uow, invoice.id)

    assert isinstance(outcome, InvoiceChange)
    assert (outcome.from_status, outcome.to_status) == (S.NEW, S.SETTLED)
    stored = uow.invoices.stored(invoice.id)
    assert (stored.status, stored.reason) == (S.SETTLED, InvoiceReason.MARKED)
    entry = stored.history[-1]
    assert (entry.actor, entry.note, entry.at) == (f"staff:{EMAIL}", REASON, LATER)
    assert uow.invoices.loads == [Load(invoice.id, lock=True)]
    assert [save.now for save in uow.invoices.saves] == [LATER]
    assert uow.subjects == ["payments.invoice.marked_settled.v1"]
    [event] = uow.emitted(InvoiceMarkedSettled)
    assert (event.invoice_id, event.order_id) == (invoice.id, invoice.order_id)
    assert (event.by, event.note) == (f"staff:{EMAIL}", REASON)
    assert event.correlation_id == str(invoice.order_id)


async def test_mark_settled_twice_is_no_change_the_second_time() -> None:
    invoice = an_invoice()
    uow = unit_of_work(invoice)
    await settle(uow, invoice.id)

    again = await settle(uow, invoice.id, now=LATER + timedelta(minutes=5))

    assert isinstance(again, NoChange) and again.status is S.SETTLED
    assert uow.subjects == ["payments.invoice.marked_settled.v1"]  # nothing new
    assert len(uow.invoices.saves) == 1
    assert len(uow.invoices.stored(invoice.id).history) == 1


async def test_an_invoice_paid_on_chain_is_already_settled() -> None:
    invoice = paid(an_invoice())
    uow = unit_of_work(invoice)

    outcome = await settle(uow, invoice.id)

    assert isinstance(outcome, NoChange)
    assert uow.events == [] and uow.invoices.saves == []
    assert uow.invoices.stored(invoice.id).reason is None  # not turned into `marked`


async def test_staff_may_settle_an_invoice_they_marked_invalid() -> None:
    invoice = an_invoice()
    uow = unit_of_work(invoice)
    await invalidate(uow, invoice.id)

    outcome = await settle(uow, invoice.id, now=LATER + timedelta(minutes=1))

    assert isinstance(outcome, InvoiceChange)
    assert (outcome.from_status, outcome.to_status) == (S.INVALID, S.SETTLED)
    assert uow.subjects == [
        "payments.invoice.marked_invalid.v1",
        "payments.invoice.marked_settled.v1",
    ]


async def test_a_cancelled_orders_invoice_is_not_settled_by_staff() -> None:
    invoice = an_invoice()
    invoice.cancel(now=NOW + timedelta(minutes=2))
    uow = unit_of_work(invoice)

    with pytest.raises(InvoiceCancelled) as refused:
        await settle(uow, invoice.id)

    assert isinstance(refused.value, Conflict) and refused.value.code == "invoice_cancelled"
    assert uow.events == [] and uow.invoices.saves == []
    assert uow.invoices.stored(invoice.id).status is S.INVALID


# --- mark invalid -------------------------------------------------------------------


async def test_mark_invalid_closes_the_invoice_and_tells_orders() -> None:
    invoice = an_invoice()
    invoice.expire(now=NOW + timedelta(minutes=20))
    uow = unit_of_work(invoice)

    outcome = await invalidate(uow, invoice.id)

    assert isinstance(outcome, InvoiceChange)
    assert (outcome.from_status, outcome.to_status) == (S.EXPIRED, S.INVALID)
    stored = uow.invoices.stored(invoice.id)
    assert (stored.status, stored.reason) == (S.INVALID, InvoiceReason.MARKED)
    assert stored.history[-1].actor == f"staff:{EMAIL}"
    [event] = uow.emitted(InvoiceMarkedInvalid)
    assert (event.invoice_id, event.order_id, event.by, event.note) == (
        invoice.id,
        invoice.order_id,
        f"staff:{EMAIL}",
        REASON,
    )
    assert uow.subjects == ["payments.invoice.marked_invalid.v1"]


async def test_mark_invalid_twice_is_no_change_the_second_time() -> None:
    invoice = an_invoice()
    uow = unit_of_work(invoice)
    await invalidate(uow, invoice.id)

    again = await invalidate(uow, invoice.id)

    assert isinstance(again, NoChange) and again.status is S.INVALID
    assert uow.subjects == ["payments.invoice.marked_invalid.v1"]
    assert len(uow.invoices.saves) == 1


async def test_a_cancelled_invoice_is_already_invalid() -> None:
    invoice = an_invoice()
    invoice.cancel(now=NOW + timedelta(minutes=2))
    uow = unit_of_work(invoice)

    assert isinstance(await invalidate(uow, invoice.id), NoChange)
    assert uow.events == []


async def test_a_settled_invoice_cannot_be_marked_invalid() -> None:
    invoice = paid(an_invoice())
    uow = unit_of_work(invoice)

    with pytest.raises(IllegalInvoiceTransition) as refused:
        await invalidate(uow, invoice.id)

    assert isinstance(refused.value, Conflict)
    assert refused.value.code == "illegal_invoice_transition"
    assert uow.events == [] and uow.invoices.saves == []
    assert uow.invoices.stored(invoice.id).status is S.SETTLED


# --- refusals before anything changes ------------------------------------------------


@pytest.mark.parametrize("decide", [settle, invalidate], ids=["settled", "invalid"])
async def test_an_unknown_invoice_is_not_found(decide) -> None:
    uow = unit_of_work(an_invoice())
    unknown = uuid.uuid4()

    with pytest.raises(InvoiceNotFound) as refused:
        await decide(uow, unknown)

    assert isinstance(refused.value, NotFound) and refused.value.code == "invoice_not_found"
    assert str(unknown) in refused.value.message
    assert uow.events == []


@pytest.mark.parametrize(
    ("email", "reason", "field"),
    [(" ", REASON, "staff_email"), (EMAIL, "  ", "reason")],
    ids=["no email", "no reason"],
)
@pytest.mark.parametrize("action", [staff.mark_settled, staff.mark_invalid], ids=["s", "i"])
async def test_a_decision_names_who_and_why(action, email: str, reason: str, field: str) -> None:
    invoice = an_invoice()
    uow = unit_of_work(invoice)

    with pytest.raises(InvalidStaffAction) as refused:
        await action(uow, invoice_id=invoice.id, staff_email=email, reason=reason, now=LATER)

    assert isinstance(refused.value, InvalidInput) and refused.value.field == field
    assert uow.events == [] and uow.invoices.saves == []


async def test_a_refusal_inside_the_transaction_rolls_everything_back() -> None:
    invoice = paid(an_invoice())
    uow = unit_of_work(invoice)

    with pytest.raises(IllegalInvoiceTransition):
        async with uow:
            await invalidate(uow, invoice.id)

    assert uow.rolled_back and not uow.committed
    assert uow.invoices.loads == []  # the fake's own record is rolled back too
