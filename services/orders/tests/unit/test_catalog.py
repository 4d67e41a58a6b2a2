from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from walletreports.orders.domain.catalog import (
    ReportProduct,
    SubscriptionPlan,
    load_catalog,
    parse_catalog,
)
from walletreports.orders.domain.errors import CatalogConfigError, UnknownProduct


@pytest.fixture
def raw(catalog_path) -> dict:
    return tomllib.loads(catalog_path.read_text())


def test_shipped_catalog_prices_the_seeds(catalog):
    report = catalog.product("wallet_report")
    assert isinstance(report, ReportProduct)
    assert report.price_usd == Decimal("25.00")
    assert str(report.price_usd) == "25.00"

    plan = catalog.plan("subscription_monthly")
    assert isinstance(plan, SubscriptionPlan)
    assert (plan.price_usd, plan.duration_days, plan.reports_included) == (Decimal("6.00"), 30, 30)
    assert plan.report_discount_percent == 20
    assert catalog.orders.payment_window_minutes == 15


def test_shipped_fee_schedule_pins_every_risk_score(catalog):
    assert catalog.audit_fee.risk_multipliers == {
        1: Decimal("1.0"),
        2: Decimal("1.0"),
        3: Decimal("1.1"),
        4: Decimal("1.1"),
        5: Decimal("1.2"),
        6: Decimal("1.5"),
        7: Decimal("1.8"),
        8: Decimal("2.0"),
        9: Decimal("2.5"),
        10: Decimal("3.0"),
    }
    assert catalog.audit_fee.base_fee_lamports == 5_000_000


def test_models_are_frozen(catalog):
    with pytest.raises(ValidationError, match="frozen"):
        catalog.product("wallet_report").price_usd = Decimal("1.00")


def test_unknown_product_is_a_domain_error(catalog):
    with pytest.raises(UnknownProduct, match="unknown product 'gold'"):
        catalog.product("gold")


def test_a_report_is_not_a_plan(catalog):
    with pytest.raises(UnknownProduct, match=r"known products: subscription_monthly$"):
        catalog.plan("wallet_report")


def _error(raw: dict) -> str:
    with pytest.raises(CatalogConfigError) as excinfo:
        parse_catalog(raw, source="catalog.toml")
    return str(excinfo.value)


def test_float_price_is_refused_naming_the_key(raw):
    raw["products"]["wallet_report"]["price_usd"] = 25.0
    assert _error(raw) == (
        'catalog.toml: products.wallet_report.price_usd: must be a quoted string like "25.00",'
        " got 25.0"
    )


def test_price_needs_two_decimal_places(raw):
    raw["products"]["wallet_report"]["price_usd"] = "25"
    assert "products.wallet_report.price_usd: must have exactly two decimal places" in _error(raw)


def test_price_must_be_a_number(raw):
    raw["products"]["subscription_monthly"]["price_usd"] = "six"
    assert "products.subscription_monthly.price_usd: must be a decimal number" in _error(raw)


def test_zero_price_is_refused(raw):
    raw["products"]["wallet_report"]["price_usd"] = "0.00"
    assert "products.wallet_report.price_usd: Input should be greater than 0" in _error(raw)


def test_missing_key_is_named(raw):
    del raw["products"]["subscription_monthly"]["duration_days"]
    assert "products.subscription_monthly.duration_days: Field required" in _error(raw)


def test_unexpected_key_is_named(raw):
    raw["products"]["wallet_report"]["price_eur"] = "23.00"
    assert "products.wallet_report.price_eur: Extra inputs are not permitted" in _error(raw)


def test_unknown_kind_is_named(raw):
    raw["products"]["wallet_report"]["kind"] = "bundle"
    assert "products.wallet_report" in _error(raw)


def test_discount_percent_range(raw):
    raw["products"]["subscription_monthly"]["report_discount_percent"] = 120
    assert "products.subscription_monthly.report_discount_percent" in _error(raw)


def test_risk_table_must_cover_one_to_ten(raw):
    del raw["audit_fee"]["risk_multipliers"]["10"]
    assert "audit_fee.risk_multipliers: must give exactly the scores 1 to 10" in _error(raw)


def test_risk_table_must_not_decrease(raw):
    raw["audit_fee"]["risk_multipliers"]["9"] = "1.9"
    assert "audit_fee.risk_multipliers: must not decrease" in _error(raw)


def test_risk_multiplier_must_be_a_string(raw):
    raw["audit_fee"]["risk_multipliers"]["7"] = 1.8
    assert "audit_fee.risk_multipliers.7" in _error(raw)


def test_product_code_comes_from_the_table_name(raw):
    raw["products"]["wallet_report"]["code"] = "other"
    assert "products.wallet_report.code: leave it out" in _error(raw)


def test_missing_section_is_named(raw):
    del raw["audit_fee"]
    assert _error(raw) == "catalog.toml: audit_fee: Field required"


def test_load_catalog_reports_missing_file(tmp_path):
    with pytest.raises(CatalogConfigError, match="catalog file not found"):
        load_catalog(tmp_path / "nope.toml")


def test_load_catalog_reports_bad_toml(tmp_path):
    path = tmp_path / "catalog.toml"
    path.write_text("[products\n")
    with pytest.raises(CatalogConfigError, match="not valid TOML"):
        load_catalog(path)


def test_load_catalog_reports_a_directory(tmp_path):
    with pytest.raises(CatalogConfigError, match=f"^{tmp_path}: is a directory"):
        load_catalog(tmp_path)


@pytest.mark.parametrize(
    ("error", "named"),
    [
        (PermissionError(13, "Permission denied"), "cannot be read (permission denied)"),
        (OSError(5, "Input/output error"), "cannot be read (Input/output error)"),
    ],
    ids=["permission", "other-os-error"],
)
def test_load_catalog_reports_a_file_it_cannot_read(tmp_path, monkeypatch, error, named):
    # Root reads any file, so the refusal is simulated where the read happens.
    path = tmp_path / "catalog.toml"
    path.write_text("")

    def refuse(self, *args, **kwargs):
        raise error

    monkeypatch.setattr(Path, "read_text", refuse)
    with pytest.raises(CatalogConfigError) as excinfo:
        load_catalog(path)
    assert str(excinfo.value) == f"{path}: {named}"


def test_load_catalog_reports_a_file_that_is_not_text(tmp_path):
    path = tmp_path / "catalog.toml"
    path.write_bytes(b"\xff\xfe[products]\n")
    with pytest.raises(CatalogConfigError, match="not UTF-8 text"):
        load_catalog(path)


def test_raw_fixture_is_not_shared(raw, catalog_path):
    # Guard for the tests above, which edit `raw`: each must get a fresh parse of the file,
    # so an edit made by one cannot leak into this (later) test.
    assert raw == tomllib.loads(catalog_path.read_text())
