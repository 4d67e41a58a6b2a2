"""Links to the product's pages (domain/links.py) and amounts as people read them."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from walletreports.notifier.domain import CannotRender, Links
from walletreports.notifier.domain.money import amount, usd, user_units

ORDER = uuid.UUID("0b7e4f3c-1d2a-4e5f-9a8b-7c6d5e4f3a2b")


def test_links_are_under_the_base_url_with_segments_encoded():
    links = Links("https://reports.example.com/")
    assert links.order(ORDER) == f"https://reports.example.com/analysis/order/{ORDER}/"
    assert links.order_payment(str(ORDER)).endswith(f"/analysis/order/{ORDER}/payment/")
    assert links.report(ORDER, "defi trades #1.csv") == (
        f"https://reports.example.com/analysis/order/{ORDER}/reports/defi%20trades%20%231.csv"
    )
    assert links.notification_settings() == "https://reports.example.com/account/notifications/"
    assert links.is_ours("https://reports.example.com/verify?token=x")
    assert not links.is_ours("https://reports.example.com.evil.test/verify")
    assert not links.is_ours("https://evil.test/https://reports.example.com/")


@pytest.mark.parametrize("name", ["../secrets.csv", "a/b.csv", "..", "", "a\\b.csv", "x\n.csv"])
def test_a_report_file_name_must_be_a_plain_name(name):
    with pytest.raises(CannotRender, match="not a plain file name"):
        Links("https://reports.example.com").report(ORDER, name)


@pytest.mark.parametrize(
    ("currency", "base_units", "text"),
    [
        ("USDC", 25_000_000, "25"),
        ("USDT", 12_500_000, "12.5"),
        ("USDC", 1, "0.000001"),
        ("SOL", 166_666_667, "0.166666667"),
        ("SOL", 0, "0"),
        ("SOL", 10**18, "1000000000"),
    ],
)
def test_amounts_are_exact_in_user_units(currency, base_units, text):
    assert user_units(currency, base_units) == text
    assert amount(currency, base_units) == f"{text} {currency}"


def test_usd_has_two_places():
    assert usd(Decimal("25")) == "USD 25.00"
