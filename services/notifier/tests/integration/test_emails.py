"""Each event the notifier consumes, published over the real broker, becomes the email it
should: subject, both parts, links, headers (From, To, Message-ID, List-Unsubscribe), to
the right people, as the SMTP server received it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from walletreports.contracts import Event
from walletreports.contracts.dune_runner import (
    AnalysisFinished,
    AnalysisStarted,
    BudgetThresholdReached,
    IntakePaused,
    QueryFailed,
    ReportRef,
)
from walletreports.contracts.orders import OrderPaid, SubscriptionActivated, SubscriptionExpired
from walletreports.contracts.payments import (
    InvoiceOverpaid,
    InvoicePaidLate,
    InvoiceUnderpaid,
    PaymentRejected,
    RefundRequested,
    RefundSent,
)
from walletreports.notifier.domain import Channel
from walletreports.notifier.service_layer import reminders
from walletreports.notifier.service_layer.notifying import DeliveryRules

from .conftest import BASE_URL, FROM, STAFF, WALLET, NotifierDriver
from .smtp_sink import Received

PAYER = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"
SIGNATURE = "4" * 88


def order_paid(user_id: uuid.UUID, order_id: uuid.UUID) -> OrderPaid:
    return OrderPaid(
        order_id=order_id,
        user_id=user_id,
        product="wallet_report",
        wallet_address=WALLET,
        paid_via="payment",
        correlation_id=str(order_id),
    )


def reports(*names: str) -> list[ReportRef]:
    return [
        ReportRef(query_name=n, file_name=f"{n}.csv", size_bytes=2048, sha256="0" * 64)
        for n in names
    ]


def finished(
    user_id: uuid.UUID, order_id: uuid.UUID, outcome: str, files: list[ReportRef], failed: list[str]
) -> AnalysisFinished:
    return AnalysisFinished(
        analysis_id=uuid.uuid4(),
        order_id=order_id,
        user_id=user_id,
        outcome=outcome,  # type: ignore[arg-type]
        reports=files,
        failed_queries=failed,
        correlation_id=str(order_id),
    )


async def test_payment_received_is_one_whole_email_to_the_user(svc: NotifierDriver):
    ada = await svc.user()
    order_id = await svc.order(ada)
    event = order_paid(ada.user_id, order_id)
    await svc.publish(event)

    (mail,) = await svc.sink.wait_for(ada.email)
    row = await svc.until_status((await svc.row(order_id=order_id)).id, "sent")
    assert mail.header("Subject") == "We've received your payment!"
    assert mail.header("From") == FROM
    assert mail.header("To") == f"Ada Lovelace <{ada.email}>"
    assert mail.header("Message-ID") == f"<{row.id}@wallet-reports.test>" == row.message_id
    assert mail.header("List-Unsubscribe") == f"<{BASE_URL}/account/notifications/>"
    assert mail.header("Auto-Submitted") == "auto-generated"
    assert mail.header("X-Notification-Template") == "payment_received"
    assert mail.mail_from == "reports@wallet-reports.test" and mail.rcpt_tos == [ada.email]
    assert mail.message.get_content_type() == "multipart/alternative"
    order_page = f"{BASE_URL}/analysis/order/{order_id}/"
    assert order_page in mail.text and f'href="{order_page}"' in mail.html
    assert WALLET in mail.text and "Hi Ada Lovelace," in mail.text
    assert (row.template, row.channel, row.recipient, row.event_id) == (
        "payment_received",
        "email",
        ada.email,
        event.event_id,
    )
    assert row.sent_at is not None
    effect = await svc.effect(row.id)
    assert (effect.status, effect.attempts) == ("done", 1)


async def test_reports_ready_links_every_file_and_the_order_page(svc: NotifierDriver):
    ada = await svc.user()
    order_id = await svc.order(ada)
    await svc.publish(
        finished(ada.user_id, order_id, "completed", reports("defi_trades", "lp_events"), [])
    )
    (mail,) = await svc.sink.wait_for(ada.email)
    assert mail.header("Subject") == "Your reports are ready!"
    for name in ("defi_trades.csv", "lp_events.csv"):
        link = f"{BASE_URL}/analysis/order/{order_id}/reports/{name}"
        assert link in mail.text and f'href="{link}"' in mail.html
    assert f"{BASE_URL}/analysis/order/{order_id}/" in mail.text


def _transfer(order_id: uuid.UUID, **over: Any) -> dict[str, Any]:
    return {
        "invoice_id": uuid.uuid4(),
        "order_id": order_id,
        "signature": SIGNATURE,
        "currency": "USDC",
        "amount_base_units": 20_000_000,
        "payer": PAYER,
        "correlation_id": str(order_id),
    } | over


def _refund(order_id: uuid.UUID) -> dict[str, Any]:
    return {
        "refund_id": uuid.uuid4(),
        "invoice_id": uuid.uuid4(),
        "order_id": order_id,
        "currency": "USDC",
        "amount_base_units": 25_000_000,
        "recipient": PAYER,
        "correlation_id": str(order_id),
    }


USER, STAFFS = "user", "staff"

# (event for a user and their order, [(who, subject starts with, a text it holds)])
CASES: list[tuple[str, Callable[[uuid.UUID, uuid.UUID], Event], list[tuple[str, str, str]]]] = [
    (
        "processing_started",
        lambda u, o: AnalysisStarted(
            analysis_id=uuid.uuid4(), order_id=o, user_id=u, queries=["a", "b"]
        ),
        [(USER, "Your reports are being generated...", "2 analyses")],
    ),
    (
        "order_partial",
        lambda u, o: finished(u, o, "partial", reports("defi_trades"), ["lp_events"]),
        [(USER, "Some of your reports are ready", "Could not be produced yet: lp_events.")],
    ),
    (
        "order_failed",
        lambda u, o: finished(u, o, "failed", [], ["defi_trades"]),
        [(USER, "We couldn't generate your reports", "a full refund")],
    ),
    (
        "paid_late",
        lambda u, o: InvoicePaidLate(**_transfer(o)),
        [
            (USER, "Your payment arrived after the invoice expired", "please don't pay again"),
            (STAFFS, "[staff] Late payment to review: 20 USDC", f"{BASE_URL}/admin/invoices/"),
        ],
    ),
    (
        "underpaid",
        lambda u, o: InvoiceUnderpaid(**_transfer(o), expected_base_units=25_000_000),
        [
            (USER, "Your payment was less than the amount due", "/payment/"),
            (STAFFS, "[staff] Underpaid invoice: 20 USDC of 25 USDC", "Invoice amount: 25 USDC"),
        ],
    ),
    (
        "overpaid",
        lambda u, o: InvoiceOverpaid(
            **_transfer(o, amount_base_units=30_000_000), expected_base_units=25_000_000
        ),
        [(STAFFS, "[staff] Overpaid invoice: 30 USDC against 25 USDC", "Refund the excess")],
    ),
    (
        "refund_requested",
        lambda u, o: RefundRequested(**_refund(o), reason="analysis_failed"),
        [
            (USER, "A refund is on its way", PAYER),
            (STAFFS, "[staff] Refund to sign: 25 USDC", f"{BASE_URL}/admin/refunds/"),
        ],
    ),
    (
        "refund_sent",
        lambda u, o: RefundSent(**_refund(o), signature=SIGNATURE),
        [(USER, "Your refund has been sent", f"Transaction: {SIGNATURE}")],
    ),
    (
        "payment_rejected",
        lambda u, o: PaymentRejected(
            invoice_id=uuid.uuid4(),
            order_id=o,
            signature=SIGNATURE,
            reason="wrong_mint",
            detail="paid with mint Es9v... , the invoice asked for EPjF...",
            correlation_id=str(o),
        ),
        [
            (
                STAFFS,
                "[staff] Payment rejected (wrong_mint)",
                "paid in a token the invoice does not take. Money may have",
            )
        ],
    ),
    (
        "query_failed",
        lambda u, o: QueryFailed(
            analysis_id=uuid.uuid4(),
            order_id=o,
            job_id=uuid.uuid4(),
            query_name="lp_events",
            error_type="rate_limit",
            error_message="429 Too Many Requests",
            retryable_by_staff=True,
            correlation_id=str(o),
        ),
        [(STAFFS, "[staff] Query lp_events failed (rate_limit)", f"{BASE_URL}/admin/orders/")],
    ),
    (
        "subscription_activated",
        lambda u, o: SubscriptionActivated(
            subscription_id=uuid.uuid4(),
            user_id=u,
            plan="monthly",
            starts_at=datetime.now(UTC),
            expires_at=datetime.now(UTC) + timedelta(days=30),
            reports_included=5,
        ),
        [(USER, "Your monthly subscription is active", "5 reports")],
    ),
    (
        "subscription_expired",
        lambda u, o: SubscriptionExpired(
            subscription_id=uuid.uuid4(), user_id=u, plan="monthly", expired_at=datetime.now(UTC)
        ),
        [(USER, "Your subscription has ended", "/dashboard/")],
    ),
]


def _about(subject: str, order_id: str | None) -> Callable[[Received], bool]:
    def matches(mail: Received) -> bool:
        return mail.header("Subject").startswith(subject) and (
            order_id is None or order_id in mail.text
        )

    return matches


@pytest.mark.parametrize(("name", "make", "expected"), CASES, ids=[c[0] for c in CASES])
async def test_each_event_mails_whom_it_concerns(svc: NotifierDriver, name, make, expected):
    ada = await svc.user()
    order_id = await svc.order(ada)
    event = make(ada.user_id, order_id)
    await svc.publish(event)
    for who, subject, holds in expected:
        addresses = [ada.email] if who == USER else list(STAFF)
        # the user's address is theirs alone; staff's get every order's
        about_it = _about(subject, None if who == USER else str(order_id))
        for address in addresses:
            mine = await svc.sink.wait_matching(address, about_it)
            assert len(mine) == 1, [m.header("Subject") for m in mine]
            mail = mine[0]
            assert holds in mail.text, mail.text
            assert mail.html.lstrip().startswith("<!DOCTYPE html>")
            # Only what the user can turn off says where to.
            can_turn_off = name == "processing_started"
            assert (mail.message["List-Unsubscribe"] is not None) is can_turn_off


async def test_staff_alerts_without_an_order(svc: NotifierDriver):
    budget = BudgetThresholdReached(
        period="weekly",
        credits_used=Decimal("900"),
        credits_budget=Decimal("1000"),
        threshold_percent=90,
    )
    paused = IntakePaused(reason=f"weekly budget reached ({uuid.uuid4().hex[:6]})")
    await svc.publish(budget)
    await svc.publish(paused)
    for address in STAFF:
        await svc.sink.wait_matching(
            address, lambda m: m.header("Subject") == f"[staff] Intake paused: {paused.reason}"
        )
        await svc.sink.wait_matching(
            address,
            lambda m: m.header("Subject") == "[staff] Dune budget: 90% of the weekly credits used",
        )


async def test_the_reminder_before_a_subscription_ends(svc: NotifierDriver):
    ada = await svc.user()
    now = datetime.now(UTC)
    event = SubscriptionActivated(
        subscription_id=uuid.uuid4(),
        user_id=ada.user_id,
        plan="monthly",
        starts_at=now - timedelta(days=28),
        expires_at=now + timedelta(days=2),
        reports_included=5,
        occurred_at=now - timedelta(minutes=1),
    )
    await svc.publish(event)
    await svc.sink.wait_for(ada.email)  # "is active"
    channels = svc.service.collaborator("channels")
    rules = DeliveryRules(max_event_age=timedelta(hours=72))
    # The schedule's step, run now rather than on its next round.
    due = await reminders.remind_expiring_subscriptions(
        svc.service.runtime.units, channels=channels, rules=rules, ahead=timedelta(days=3), now=now
    )
    assert due >= 1
    mails = await svc.sink.wait_for(ada.email, count=2)
    assert mails[1].header("Subject").startswith("Your subscription ends on ")
    again = await reminders.remind_expiring_subscriptions(
        svc.service.runtime.units, channels=channels, rules=rules, ahead=timedelta(days=3), now=now
    )
    assert again == 0
    assert Channel.EMAIL in channels
