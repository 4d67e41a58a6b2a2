"""What the kit builds for every service before its own composition root runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from nats.js import JetStreamContext

from .clock import Clock
from .db import Database
from .effects.performer import Performer
from .messaging.unit_of_work import UnitsOfWork
from .settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)

# A readiness check answers "ok" or says what is wrong, in a few words.
ReadinessCheck = Callable[[], Awaitable[str]]


@dataclass
class Platform(Generic[S]):
    """Handed to a service's composition root (its `bootstrap`), and available by
    name to its handlers, background tasks and routes."""

    name: str
    settings: S
    database: Database
    units: UnitsOfWork[Any]
    clock: Clock
    # None while NATS is not connected.
    jetstream: Callable[[], JetStreamContext | None]
    readiness_checks: dict[str, ReadinessCheck] = field(default_factory=dict)
    # Checks that are reported but do not make the service not ready (see below).
    optional_checks: set[str] = field(default_factory=set)
    performers: dict[str, Performer] = field(default_factory=dict)
    # How many side effects the runner performs at once (kit.effects.EffectRunner);
    # a service whose effects mostly wait on the network (sending mail) sets more.
    effect_concurrency: int = 16

    def add_readiness_check(
        self, name: str, check: ReadinessCheck, *, required: bool = True
    ) -> None:
        """Make /readyz also ask `check` (e.g. "rpc": can the Solana RPC be reached).
        `required=False`: a dependency the service still serves without (a second
        channel): its answer is shown and listed as degraded, but /readyz stays 200,
        so an outage there does not take the replica out of service."""
        if name in ("database", "nats") or name in self.readiness_checks:
            raise ValueError(f"readiness check {name!r} exists already")
        self.readiness_checks[name] = check
        if not required:
            self.optional_checks.add(name)

    def add_performer(self, kind: str, performer: Performer) -> None:
        """Perform side effects of `kind` (requested with `uow.request_effect`) this way;
        the kit runs them (kit.effects.EffectRunner) on every replica."""
        if kind in self.performers:
            raise ValueError(f"side effects of kind {kind!r} have a performer already")
        self.performers[kind] = performer

    def perform_at_once(self, concurrency: int) -> None:
        """Perform up to `concurrency` side effects at once (all kinds together)."""
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.effect_concurrency = concurrency

    def collaborators(self) -> dict[str, Any]:
        return {
            "settings": self.settings,
            "database": self.database,
            "units": self.units,
            "clock": self.clock,
            "jetstream": self.jetstream,
        }
