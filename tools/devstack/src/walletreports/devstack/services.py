"""The services the stack runs, in start order. Each one's dev port is the default of
its settings' `http_port` (the one place it is written)."""

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from walletreports.kit.settings import ServiceSettings, default_http_port

# The localnet's merchant: derive_keypair(DEFAULT_SEED, "merchant") in
# walletreports.localnet.genesis (tests/test_devstack.py checks they agree). An owner
# wallet on the curve, as PAYMENTS_MERCHANT_ADDRESS must be; only for make dev and tests.
LOCALNET_MERCHANT = "5J9BHHjSnr8i8SBmAXuuQVH3FZMCozKHwiTntu4P8wTi"

# The Dune emulator's documented development key (walletreports.dune_emulator.settings),
# and the fixed ids the stack gives the report queries on the emulator it starts (synced
# there from the queries catalog), so make dev configures dune_runner the same every time.
DUNE_EMULATOR_KEY = "dune-emulator-dev-key"
DEV_DUNE_QUERY_IDS = "defi_trades=1001,lp_events=1002,transfers=1003"


@dataclass(frozen=True)
class ServiceEntry:
    name: str
    # What the service needs beyond the stack's shared variables to run locally (make dev,
    # and tests that start every service): settings that have no default on purpose.
    dev_env: Mapping[str, str] = field(default_factory=dict)

    @property
    def env_prefix(self) -> str:
        return self.name.upper()

    @property
    def module(self) -> str:
        return f"walletreports.{self.name}"

    @property
    def settings_cls(self) -> type[ServiceSettings]:
        """The service's settings class (a light import: pydantic, not the service)."""
        module = importlib.import_module(f"{self.module}.settings")
        classes = [
            value
            for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, ServiceSettings) and value.__module__ == module.__name__
        ]
        if len(classes) != 1:
            raise RuntimeError(f"{module.__name__} must define exactly one ServiceSettings class")
        return classes[0]

    @property
    def port(self) -> int:
        return default_http_port(self.settings_cls)

    def service(self) -> Any:
        """The service's declaration, kit.service.Service (imports the whole service)."""
        return importlib.import_module(f"{self.module}.app").SERVICE


SERVICES = (
    ServiceEntry("web"),
    ServiceEntry("orders"),
    # The localnet's merchant, and SOL priced at a fixed rate (the localnet has no oracle).
    ServiceEntry(
        "payments",
        dev_env={"PAYMENTS_MERCHANT_ADDRESS": LOCALNET_MERCHANT, "PAYMENTS_SOL_FIXED_USD": "150"},
    ),
    # The report queries' ids and the key on the Dune emulator the stack starts.
    ServiceEntry(
        "dune_runner",
        dev_env={"DUNE_RUNNER_QUERY_IDS": DEV_DUNE_QUERY_IDS, "DUNE_API_KEY": DUNE_EMULATOR_KEY},
    ),
    # Mail printed to the console, staff alerts to one made-up address: what runs
    # anywhere (tests that start every service have no SMTP server). make dev points the
    # notifier at its SMTP sink instead (infrastructure.start_smtp_sink).
    ServiceEntry(
        "notifier",
        dev_env={"NOTIFIER_EMAIL_BACKEND": "console", "NOTIFIER_STAFF_EMAILS": "staff@wallet-reports.test"},
    ),
)
