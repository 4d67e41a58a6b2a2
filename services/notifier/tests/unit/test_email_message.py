"""The MIME message a send hands to SMTP (adapters.email_message), read back with the
email package's modern parser: what a mail client would show."""

from __future__ import annotations

import re
from email import message_from_bytes, policy

from walletreports.notifier.adapters.email_message import as_bytes
from walletreports.notifier.domain import OutgoingEmail

LONG_LINK = "https://reports.example.com/account/notifications/?" + "x" * 120


def email(**over: object) -> OutgoingEmail:
    values: dict[str, object] = {
        "sender": "Wallet Reports <reports@wallet-reports.test>",
        "to": "zoe@example.com",
        "to_name": "Zoë Ümlaut",
        "subject": "Your reports are ready! ✓",
        "text": "Hello Zoë,\n\nYour reports are ready — 3 files.\n" + LONG_LINK + "\n",
        "html": "<p>Hello Zoë,</p>\n<p>Your reports are ready — <b>3 files</b>.</p>\n",
        "message_id": "<3f0c@wallet-reports.test>",
        "headers": {"List-Unsubscribe": f"<{LONG_LINK}>", "Auto-Submitted": "auto-generated"},
    } | over
    return OutgoingEmail(**values)  # type: ignore[arg-type]


def test_headers_and_both_parts_read_back_as_composed():
    sent = email()
    raw = as_bytes(sent)
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == sent.subject
    assert parsed["To"].addresses[0].display_name == "Zoë Ümlaut"
    assert parsed["To"].addresses[0].addr_spec == "zoe@example.com"
    assert parsed["From"].addresses[0].addr_spec == "reports@wallet-reports.test"
    assert parsed["Message-ID"] == sent.message_id
    assert parsed["Date"].datetime is not None
    assert parsed["List-Unsubscribe"] == f"<{LONG_LINK}>"
    assert parsed.get_content_type() == "multipart/alternative"
    plain, html = parsed.iter_parts()
    assert (plain.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    assert plain.get_content() == sent.text and html.get_content() == sent.html


def test_smtp_line_ends_and_lengths():
    raw = as_bytes(email())
    assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only
    assert raw.isascii()  # 7-bit: any relay takes it
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998  # RFC 5322's limit


def test_plain_ascii_headers_stay_readable():
    raw = as_bytes(email(to_name="Ada", subject="We've received your payment!"))
    assert b"\r\nSubject: We've received your payment!\r\n" in raw
    assert b"\r\nTo: Ada <zoe@example.com>\r\n" in raw


def test_a_long_non_ascii_subject_is_encoded_words_of_at_most_75_characters():
    subject = "Ваши отчёты готовы — три файла по кошельку 0x5aAeb6053F3E94C9b9A09f33669435E7 ✓"
    raw = as_bytes(email(subject=subject, to_name="Zoë, Ümlaut"))
    words = re.findall(rb"=\?utf-8\?[qb]\?[^?]*\?=", raw, flags=re.IGNORECASE)
    assert len(words) > 2 and max(len(w) for w in words) <= 75  # RFC 2047's limit
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == subject
    assert parsed["To"].addresses[0].display_name == "Zoë, Ümlaut"


def test_a_line_break_in_a_name_or_subject_never_reaches_the_headers():
    raw = as_bytes(email(to_name="Eve\r\nBcc: all@example.com", subject="Hi\r\nX-Evil: 1"))
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Bcc"] is None and parsed["X-Evil"] is None
    assert parsed["Subject"] == "Hi X-Evil: 1"
    assert parsed["To"].addresses[0].addr_spec == "zoe@example.com"
