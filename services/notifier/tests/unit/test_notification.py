"""The life of one notification (domain/notification.py): the transition table, and what
each named transition does and refuses."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from walletreports.notifier.domain import (
    TRANSITIONS,
    Change,
    Channel,
    NoChange,
    Notification,
    NotificationStatus,
    NotResendable,
    ReasonCode,
    ResendKind,
    TemplateName,
    dedup_key,
    message_id,
)

S = NotificationStatus
NOW = datetime(2026, 2, 26, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)


def a_notification(
    status: S = S.PENDING,
    template: TemplateName = TemplateName.PAYMENT_RECEIVED,
    reason_code: ReasonCode | None = None,
) -> Notification:
    order_id = uuid.uuid4()
    return Notification(
        id=uuid.uuid4(),
        key=dedup_key(f"order:{order_id}", template, Channel.EMAIL, "user:x"),
        fact=f"order:{order_id}",
        template=template,
        channel=Channel.EMAIL,
        audience="user:x",
        status=status,
        created_at=NOW,
        updated_at=NOW,
        reason_code=reason_code,
        reason=None if reason_code is None else "why",
    )


def test_the_table_names_every_way_out_of_pending_and_back_for_staff():
    assert TRANSITIONS[(S.PENDING, "delivered")] is S.SENT
    assert TRANSITIONS[(S.PENDING, "failed")] is S.FAILED
    assert TRANSITIONS[(S.PENDING, "doubted")] is S.IN_DOUBT
    assert {s for (s, action) in TRANSITIONS if action == "resend"} == {
        S.FAILED,
        S.IN_DOUBT,
        S.REFUSED,
        S.SKIPPED,
    }
    assert not any(s is S.SENT for s, _ in TRANSITIONS), "nothing leaves sent"


def test_delivered_marks_sent_once():
    n = a_notification()
    change = n.delivered(at=LATER)
    assert change == Change(n.id, S.PENDING, S.SENT, LATER)
    assert (n.status, n.sent_at, n.updated_at) == (S.SENT, LATER, LATER)
    assert n.delivered(at=LATER + timedelta(seconds=1)) == NoChange(n.id, S.SENT)
    assert n.sent_at == LATER


def test_a_late_outcome_may_replace_a_doubt():
    n = a_notification()
    n.undelivered(doubt=True, code=ReasonCode.DELIVERY_UNKNOWN, reason="runner died", at=NOW)
    assert isinstance(n.delivered(at=LATER), Change)
    assert (n.status, n.reason_code, n.reason) == (S.SENT, None, None)


def test_undelivered_records_why_and_never_undoes_a_send():
    n = a_notification()
    n.undelivered(doubt=False, code=ReasonCode.UNDELIVERABLE, reason="550 no such user", at=LATER)
    assert (n.status, n.reason_code, n.reason) == (
        S.FAILED,
        ReasonCode.UNDELIVERABLE,
        "550 no such user",
    )
    sent = a_notification()
    sent.delivered(at=NOW)
    assert isinstance(
        sent.undelivered(doubt=True, code=ReasonCode.DELIVERY_UNKNOWN, reason="late", at=LATER),
        NoChange,
    )
    assert sent.status is S.SENT


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (S.FAILED, ReasonCode.GAVE_UP, ResendKind.SAME_MESSAGE),
        (S.IN_DOUBT, ReasonCode.DELIVERY_UNKNOWN, ResendKind.SAME_MESSAGE),
        (S.REFUSED, ReasonCode.UNKNOWN_USER, ResendKind.COMPOSE_AGAIN),
        (S.SKIPPED, ReasonCode.STALE_EVENT, ResendKind.COMPOSE_AGAIN),
    ],
)
def test_staff_resend_what_did_not_arrive(status, code, kind):
    n = a_notification(status, reason_code=code)
    assert n.resend(by="staff:grace@example.com", at=LATER) is kind
    assert (n.status, n.resends, n.last_resent_by, n.last_resent_at) == (
        S.PENDING,
        1,
        "staff:grace@example.com",
        LATER,
    )


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (S.SENT, None),
        (S.PENDING, None),
        (S.SKIPPED, ReasonCode.OPTED_OUT),
        (S.SKIPPED, ReasonCode.NO_STAFF_ADDRESSES),
    ],
)
def test_what_is_not_resent(status, code):
    n = a_notification(status, reason_code=code)
    with pytest.raises(NotResendable):
        n.resend(by="staff:grace@example.com", at=LATER)
    assert n.status is status and n.resends == 0


def test_account_mail_is_never_resent_by_staff():
    n = a_notification(S.FAILED, TemplateName.PASSWORD_RESET, ReasonCode.GAVE_UP)
    with pytest.raises(NotResendable, match="one-time link"):
        n.resend(by="staff:grace@example.com", at=LATER)


def test_account_mail_is_tried_again_only_after_a_send_that_certainly_did_not_happen():
    n = a_notification(S.FAILED, TemplateName.PASSWORD_RESET, ReasonCode.UNAVAILABLE)
    assert n.try_again(at=LATER) == Change(n.id, S.FAILED, S.PENDING, LATER)
    refused = a_notification(S.FAILED, TemplateName.PASSWORD_RESET, ReasonCode.UNDELIVERABLE)
    with pytest.raises(NotResendable):
        refused.try_again(at=LATER)


def test_keys_and_message_ids_are_deterministic():
    key = dedup_key("order:1", TemplateName.REPORTS_READY, Channel.EMAIL, "user:2")
    assert key == "order:1|reports_ready|email|user:2"
    notification_id = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert message_id(notification_id, "example.com") == (
        "<12345678-1234-5678-1234-567812345678@example.com>"
    )
