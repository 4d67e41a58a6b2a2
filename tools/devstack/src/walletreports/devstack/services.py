"""The services the stack runs, in start order, with their default dev ports."""

import importlib
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ServiceEntry:
    name: str
    port: int

    @property
    def env_prefix(self) -> str:
        return self.name.upper()

    @property
    def module(self) -> str:
        return f"walletreports.{self.name}"

    def spec(self) -> Any:
        """The service's ServiceSpec (imports the service)."""
        return importlib.import_module(f"{self.module}.app").SPEC


SERVICES = (
    ServiceEntry("web", 8000),
    ServiceEntry("orders", 8001),
    ServiceEntry("payments", 8002),
    ServiceEntry("dune_runner", 8003),
    ServiceEntry("notifier", 8004),
)
