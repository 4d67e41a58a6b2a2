"""The services the stack runs, in start order, with their default dev ports."""

from dataclasses import dataclass


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


SERVICES = (
    ServiceEntry("web", 8000),
    ServiceEntry("orders", 8001),
    ServiceEntry("payments", 8002),
    ServiceEntry("dune_runner", 8003),
    ServiceEntry("notifier", 8004),
)
