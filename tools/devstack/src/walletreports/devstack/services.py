"""The services the stack runs, in start order. Each one's dev port is the default of
its settings' `http_port` (the one place it is written)."""

import importlib
from dataclasses import dataclass
from typing import Any

from walletreports.kit.settings import ServiceSettings, default_http_port


@dataclass(frozen=True)
class ServiceEntry:
    name: str

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
    ServiceEntry("payments"),
    ServiceEntry("dune_runner"),
    ServiceEntry("notifier"),
)
