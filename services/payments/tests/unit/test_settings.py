"""PAYMENTS_MERCHANT_ADDRESS is required and must be an owner wallet on the curve."""

import pytest
from solders.keypair import Keypair

from walletreports.kit import ConfigError, load_settings
from walletreports.payments.domain import USDC_MINT
from walletreports.payments.domain.transfer_validation import associated_token_address
from walletreports.payments.settings import PaymentsSettings

OWNER = str(Keypair().pubkey())


@pytest.fixture(autouse=True)
def database(monkeypatch):
    monkeypatch.setenv("PAYMENTS_DATABASE_URL", "postgresql://db/payments")
    monkeypatch.delenv("PAYMENTS_MERCHANT_ADDRESS", raising=False)


@pytest.mark.parametrize(
    ("value", "named"),
    [
        (None, "PAYMENTS_MERCHANT_ADDRESS: is required but not set"),
        ("not-a-key", "is not a base58 32-byte Solana public key"),
        (str(associated_token_address(Keypair().pubkey(), USDC_MINT)), "off the ed25519 curve"),
    ],
)
def test_a_bad_merchant_is_one_clear_line(monkeypatch, value, named):
    if value is not None:
        monkeypatch.setenv("PAYMENTS_MERCHANT_ADDRESS", value)
    with pytest.raises(ConfigError) as raised:
        load_settings(PaymentsSettings)
    assert named in str(raised.value) and "\n" not in str(raised.value)


def test_defaults(monkeypatch):
    monkeypatch.setenv("PAYMENTS_MERCHANT_ADDRESS", OWNER)
    settings = load_settings(PaymentsSettings)
    assert settings.merchant_address == OWNER
    assert settings.invoice_expiry.total_seconds() == 15 * 60
    assert settings.monitoring_window.total_seconds() == 24 * 3600
    assert settings.tolerance_percent == 0 and settings.label == "Wallet Reports"
