"""Every email template renders from the facts its events give (adapters.email_channel
with the packaged templates): a one-line subject, both parts, the links, our headers;
HTML is escaped; a bad fact is CannotRender, never a broken mail."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from walletreports.notifier.adapters.email_channel import EmailChannel, EmailIdentity
from walletreports.notifier.adapters.email_message import as_bytes
from walletreports.notifier.adapters.rendering import TemplateSet
from walletreports.notifier.domain import (
    CannotRender,
    Channel,
    KnownOrder,
    Links,
    Notice,
    OutgoingEmail,
    Recipient,
    TemplateName,
)
from walletreports.notifier.service_layer import notices

from . import events as ev

BASE = "https://reports.example.com"
LINKS = Links(BASE)
USER = uuid.uuid4()
ORDER = uuid.uuid4()
ORDER_FACTS = KnownOrder(ORDER, USER, "wallet_report", ev.WALLET).facts()


def channel(reply_to: str | None = None) -> EmailChannel:
    return EmailChannel(
        TemplateSet(Channel.EMAIL, links=LINKS, product_name="Wallet Reports"),
        identity=EmailIdentity("Wallet Reports <reports@example.com>", reply_to),
        staff=("ops@example.com",),
        links=LINKS,
    )


def every_notice() -> list[Notice]:
    activated = ev.subscription_activated(USER)
    planned = [
        *notices.payment_received(ev.order_paid(USER, ORDER)),
        *notices.processing_started(ev.analysis_started(USER, ORDER)),
        *notices.analysis_finished(ev.analysis_finished(USER, ORDER, "completed")),
        *notices.analysis_finished(
            ev.analysis_finished(USER, ORDER, "partial", failed=["lp_events"])
        ),
        *notices.analysis_finished(
            ev.analysis_finished(USER, ORDER, "failed", [], ["defi_trades"])
        ),
        *notices.paid_late(ev.paid_late(ORDER)),
        *notices.underpaid(ev.underpaid(ORDER)),
        *notices.overpaid(ev.overpaid(ORDER)),
        *notices.payment_rejected(ev.payment_rejected(ORDER)),
        *notices.refund_requested(ev.refund_requested(ORDER)),
        *notices.refund_sent(ev.refund_sent(ORDER)),
        *notices.query_failed(ev.query_failed(ORDER)),
        *notices.budget_threshold(ev.budget_threshold()),
        *notices.intake_paused(ev.intake_paused()),
        *notices.subscription_activated(activated),
        notices.subscription_expiring(notices.known_subscription(activated), now=ev.NOW),
        *notices.subscription_expired(ev.subscription_expired(activated)),
    ]
    return planned


def compose(
    notice: Notice, recipient: Recipient | None = None, chan: EmailChannel | None = None
) -> OutgoingEmail:
    context: dict[str, Any] = dict(notice.context)
    if notice.order_id is not None:
        context["order"] = ORDER_FACTS
    composed = (chan or channel()).compose(
        notification_id=uuid.uuid4(),
        template=notice.template,
        context=context,
        recipient=recipient or Recipient("ada@example.com", "Ada"),
    )
    return OutgoingEmail.from_payload(composed.payload)


def test_every_template_but_account_mail_has_an_event_that_uses_it():
    used = {n.template for n in every_notice()}
    assert used == set(TemplateName) - {
        TemplateName.EMAIL_VERIFICATION,
        TemplateName.PASSWORD_RESET,
    }
    names = TemplateSet(Channel.EMAIL, links=LINKS, product_name="x").names()
    assert names == sorted(f"{t.value}.{part}" for t in TemplateName for part in ("html", "txt"))


@pytest.mark.parametrize("notice", every_notice(), ids=lambda n: n.template.value)
def test_each_template_renders_a_whole_email(notice):
    staff = notice.template.category.value == "staff"
    email = compose(notice, Recipient("ops@example.com") if staff else None)
    assert email.subject and "\n" not in email.subject and "{{" not in email.subject
    for part in (email.text, email.html):
        assert "{{" not in part and "{%" not in part
        assert "None" not in part.replace("None yet", "")
    assert email.html.lstrip().startswith("<!DOCTYPE html>")
    assert "Wallet Reports" in email.html
    if staff:
        assert email.text.startswith("Hello,\n\n") and "staff alert" in email.text.lower()
    else:
        assert email.text.startswith("Hi Ada,\n\n")
    if notice.order_id is not None:
        link = LINKS.admin_order(ORDER) if staff else LINKS.order(ORDER)
        assert (
            link in email.text
            or LINKS.admin_invoice(notice.context.get("invoice_id", "")) in email.text
            or (LINKS.admin_refund(notice.context.get("refund_id", "")) in email.text)
        )
    as_bytes(email)  # a valid MIME message


def test_seed_subjects():
    by = {n.template: compose(n).subject for n in every_notice()}
    assert by[TemplateName.PAYMENT_RECEIVED] == "We've received your payment!"
    assert by[TemplateName.PROCESSING_STARTED] == "Your reports are being generated..."
    assert by[TemplateName.REPORTS_READY] == "Your reports are ready!"


def test_reports_ready_links_every_file_and_the_order_page():
    (notice,) = notices.analysis_finished(ev.analysis_finished(USER, ORDER, "completed"))
    email = compose(notice)
    for name in ("defi_trades.csv", "transfers.csv"):
        link = LINKS.report(ORDER, name)
        assert link in email.text
        assert f'href="{link}"' in email.html
    assert LINKS.order(ORDER) in email.text and f'href="{LINKS.order(ORDER)}"' in email.html
    assert ev.WALLET in email.text
    assert email.headers["List-Unsubscribe"] == f"<{LINKS.notification_settings()}>"


def test_headers_of_our_own():
    (notice,) = notices.payment_received(ev.order_paid(USER, ORDER))
    email = compose(notice, chan=channel(reply_to="Support <support@example.com>"))
    assert email.sender == "Wallet Reports <reports@example.com>"
    assert email.message_id.endswith("@example.com>")
    assert email.headers["Auto-Submitted"] == "auto-generated"
    assert email.headers["X-Notification-Template"] == "payment_received"
    assert email.headers["Reply-To"] == "Support <support@example.com>"
    assert email.to_header == "Ada <ada@example.com>"
    # Service mail cannot be turned off: no List-Unsubscribe
    (failed,) = notices.analysis_finished(ev.analysis_finished(USER, ORDER, "failed", []))
    assert "List-Unsubscribe" not in compose(failed).headers


def test_html_is_escaped_and_text_is_not():
    (notice,) = notices.intake_paused(
        ev.intake_paused().model_copy(update={"reason": "<b>budget</b> & co"})
    )
    email = compose(notice, Recipient("ops@example.com"))
    assert "&lt;b&gt;budget&lt;/b&gt; &amp; co" in email.html
    assert "<b>budget</b> & co" in email.text


def test_a_report_file_name_that_is_no_plain_name_cannot_render():
    event = ev.analysis_finished(USER, ORDER, "completed", [ev.report("x", "../../etc/passwd")])
    (notice,) = notices.analysis_finished(event)
    with pytest.raises(CannotRender, match="not a plain file name"):
        compose(notice)


def test_a_missing_fact_cannot_render():
    (notice,) = notices.refund_sent(ev.refund_sent(ORDER))
    broken = Notice(
        notice.template, notice.fact, notice.audience, notice.occurred_at, {"order_id": str(ORDER)}
    )
    with pytest.raises(CannotRender, match="refund_sent"):
        compose(broken)


@pytest.mark.parametrize("template", [TemplateName.EMAIL_VERIFICATION, TemplateName.PASSWORD_RESET])
def test_account_mail_carries_its_link(template):
    link = f"{BASE}/verify?token=abc&x=1"
    composed = channel().compose(
        notification_id=uuid.uuid4(),
        template=template,
        context={"link": link, "expires_in_minutes": 30},
        recipient=Recipient("ada@example.com", None),
    )
    email = OutgoingEmail.from_payload(composed.payload)
    assert (
        link in email.text
        and 'href="https://reports.example.com/verify?token=abc&amp;x=1"' in email.html
    )
    assert "30 minutes" in email.text and email.text.startswith("Hello,")


def test_telegram_messages_escape_what_they_print() -> None:
    import uuid as _uuid

    from walletreports.notifier.adapters.rendering import TemplateSet as _Set
    from walletreports.notifier.adapters.telegram_channel import TelegramChannel
    from walletreports.notifier.domain import Channel as _Channel
    from walletreports.notifier.domain import Links as _Links
    from walletreports.notifier.domain import Recipient as _Recipient
    from walletreports.notifier.domain import TemplateName as _T

    links = _Links("https://reports.example.com")
    channel = TelegramChannel(_Set(_Channel.TELEGRAM, links=links, product_name="Wallet Reports"))
    order_id = str(_uuid.uuid4())
    composed = channel.compose(
        notification_id=_uuid.uuid4(),
        template=_T.PAYMENT_RECEIVED,
        context={
            "order_id": order_id,
            "order": {"wallet_address": "<b>x&y</b>", "price_usd": "25.00"},
        },
        recipient=_Recipient("4242", "Ada"),
    )
    assert composed.payload["chat_id"] == 4242
    assert composed.payload["parse_mode"] == "HTML"
    text = composed.payload["text"]
    assert "<code>&lt;b&gt;x&amp;y&lt;/b&gt;</code>" in text
    assert text.startswith("💰 <b>We've received your payment!</b>")
