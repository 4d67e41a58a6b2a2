"""The payments service's configuration, from the environment only.

Besides the kit's shared variables, PAYMENTS_DATABASE_URL and PAYMENTS_HTTP_PORT
(default 8002):

- PAYMENTS_MERCHANT_ADDRESS (required, in every environment): the owner wallet that
  receives payments, checked at start (merchant.py). There is no default even for tests:
  a made-up merchant that happened to be accepted would be the one place money goes.
  make dev passes the localnet's merchant (tools/devstack), tests pass their own.
- PAYMENTS_INVOICE_EXPIRY_MINUTES (15), PAYMENTS_MONITORING_WINDOW_HOURS (24): how long
  an invoice's amounts are promised, and how long late money is still watched for.
- PAYMENTS_TOLERANCE_PERCENT (0): how far below or above the price still counts as paid.
- PAYMENTS_LABEL ("Wallet Reports"): the Solana Pay `label` wallets show the payer.
- PAYMENTS_SOL_RATE_SOURCE (`fixed`): where SOL/USD comes from: `fixed` (the rate in
  PAYMENTS_SOL_FIXED_USD; without one SOL is not offered) or `pyth` (Pyth's sponsored
  SOL/USD account, PAYMENTS_PYTH_PRICE_ACCOUNT, read over SOLANA_RPC_URL).
- PAYMENTS_SOL_QUOTE_MAX_AGE_SECONDS (60): an older quote withdraws SOL from the invoice.
- SOLANA_RPC_URL (http://127.0.0.1:8899) and SOLANA_WS_URL (by default the RPC URL with
  ws(s):// and the port one up, as Solana nodes serve it): the chain.
- PAYMENTS_WATCH_INTERVAL_SECONDS (2): how often the watcher polls the receiving
  accounts; PAYMENTS_WATCH_PUSH (true): also subscribe to their logs over the websocket,
  so a payment is seen within a second instead of within an interval.
- PAYMENTS_RPC_TIMEOUT_SECONDS (10): one RPC call's limit.
"""

from datetime import timedelta
from decimal import Decimal
from typing import Annotated, Literal

import httpx
from pydantic import AfterValidator, Field

from walletreports.kit import HttpPort, ServiceSettings

from .adapters.rate_sources.pyth_onchain import SOL_USD_SPONSORED_ACCOUNT
from .merchant import check_account_address, check_merchant_address

MerchantAddress = Annotated[str, AfterValidator(check_merchant_address)]
PriceAccount = Annotated[str, AfterValidator(check_account_address)]


class PaymentsSettings(ServiceSettings, env_prefix="PAYMENTS_"):
    http_port: HttpPort = 8002
    merchant_address: MerchantAddress = Field(validation_alias="PAYMENTS_MERCHANT_ADDRESS")
    invoice_expiry_minutes: int = Field(
        15, validation_alias="PAYMENTS_INVOICE_EXPIRY_MINUTES", ge=1, le=24 * 60
    )
    monitoring_window_hours: int = Field(
        24, validation_alias="PAYMENTS_MONITORING_WINDOW_HOURS", ge=0, le=30 * 24
    )
    tolerance_percent: Decimal = Field(
        Decimal(0), validation_alias="PAYMENTS_TOLERANCE_PERCENT", ge=0, lt=100, decimal_places=2
    )
    label: str = Field(
        "Wallet Reports", validation_alias="PAYMENTS_LABEL", min_length=1, max_length=100
    )
    sol_rate_source: Literal["fixed", "pyth"] = Field(
        "fixed", validation_alias="PAYMENTS_SOL_RATE_SOURCE"
    )
    sol_fixed_usd: Decimal | None = Field(
        None,
        validation_alias="PAYMENTS_SOL_FIXED_USD",
        gt=0,
        max_digits=18,
        decimal_places=8,
        allow_inf_nan=False,
    )
    sol_quote_max_age_seconds: int = Field(
        60, validation_alias="PAYMENTS_SOL_QUOTE_MAX_AGE_SECONDS", ge=5, le=3600
    )
    pyth_price_account: PriceAccount = Field(
        SOL_USD_SPONSORED_ACCOUNT, validation_alias="PAYMENTS_PYTH_PRICE_ACCOUNT"
    )
    solana_rpc_url: str = Field(
        "http://127.0.0.1:8899",
        validation_alias="SOLANA_RPC_URL",
        pattern=r"^https?://[^\s/]+(/\S*)?$",
    )

    solana_ws_url: str | None = Field(
        None, validation_alias="SOLANA_WS_URL", pattern=r"^wss?://[^\s/]+(/\S*)?$"
    )
    watch_interval_seconds: float = Field(
        2.0, validation_alias="PAYMENTS_WATCH_INTERVAL_SECONDS", ge=0.05, le=300
    )
    watch_push: bool = Field(True, validation_alias="PAYMENTS_WATCH_PUSH")
    rpc_timeout_seconds: float = Field(
        10.0, validation_alias="PAYMENTS_RPC_TIMEOUT_SECONDS", gt=0, le=120
    )

    @property
    def websocket_url(self) -> str:
        """SOLANA_WS_URL, or the RPC URL's websocket twin (port + 1, as nodes serve it)."""
        if self.solana_ws_url is not None:
            return self.solana_ws_url
        url = httpx.URL(self.solana_rpc_url)
        scheme = "wss" if url.scheme == "https" else "ws"
        port = None if url.port is None else url.port + 1
        return str(url.copy_with(scheme=scheme, port=port))

    @property
    def invoice_expiry(self) -> timedelta:
        return timedelta(minutes=self.invoice_expiry_minutes)

    @property
    def monitoring_window(self) -> timedelta:
        return timedelta(hours=self.monitoring_window_hours)
