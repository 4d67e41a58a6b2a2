"""The decisions of long polling and of the webhook command, without I/O: how long to
wait after failures, which offset to ask with, and which webhook URL Telegram takes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from walletreports.notifier.adapters.telegram_offsets import STALE_AFTER, PollOffset
from walletreports.notifier.entrypoints.telegram_cli import BadSetting, webhook_url
from walletreports.notifier.entrypoints.telegram_polling import backoff

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def test_the_wait_doubles_to_a_minute_and_honours_retry_after():
    assert [backoff(n, 1.0, None) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]
    assert backoff(20, 1.0, None) == 60.0
    assert backoff(1, 1.0, 7.0) == 7.0  # at least what Telegram asked
    assert backoff(4, 1.0, 3.0) == 8.0  # and no less than the back-off already reached
    assert backoff(1, 1.0, 10_000.0) == 300.0  # a silly retry_after is waited in steps


def test_no_offset_until_one_update_is_handled_then_just_past_it():
    assert PollOffset().to_ask(NOW) is None
    offset = PollOffset().past(41, at=NOW)
    assert offset == PollOffset(42, NOW)
    assert offset.to_ask(NOW + timedelta(minutes=1)) == 42


def test_an_offset_older_than_telegrams_renumbering_is_not_asked_with():
    offset = PollOffset(42, NOW)
    assert offset.to_ask(NOW + STALE_AFTER - timedelta(seconds=1)) == 42
    assert offset.to_ask(NOW + STALE_AFTER) is None
    # renumbered from lower down: the offset follows, it does not keep the old maximum
    assert offset.past(7, at=NOW + timedelta(days=8)).to_ask(NOW + timedelta(days=8)) == 8


@pytest.mark.parametrize(
    ("base", "url"),
    [
        ("https://reports.example.com", "https://reports.example.com/telegram/webhook"),
        ("https://reports.example.com/", "https://reports.example.com/telegram/webhook"),
        ("https://x.example.com/notifier", "https://x.example.com/notifier/telegram/webhook"),
        ("https://x.example.com/telegram/webhook", "https://x.example.com/telegram/webhook"),
        ("https://x.example.com:8443", "https://x.example.com:8443/telegram/webhook"),
    ],
)
def test_the_webhook_url_is_the_base_and_the_route(base, url):
    assert webhook_url(base, official_api=True) == url


@pytest.mark.parametrize(
    ("base", "says"),
    [
        ("http://reports.example.com", "must be an https:// URL"),
        ("reports.example.com", "must be an https:// URL"),
        ("https://", "must be an https:// URL with a host"),
        ("https://x.example.com/?q=1", "no query or fragment"),
        ("https://x.example.com/#top", "no query or fragment"),
        ("https://x.example.com:9000", "ports 443, 80, 88 or 8443"),
        ("https://x.example.com:port", "is not a URL"),
    ],
)
def test_a_webhook_url_telegram_would_refuse_is_refused_here(base, says):
    with pytest.raises(BadSetting, match=says):
        webhook_url(base, official_api=True)


def test_a_self_hosted_bot_api_takes_http_and_any_port():
    assert webhook_url("http://notifier:8004", official_api=False) == (
        "http://notifier:8004/telegram/webhook"
    )
