"""The service kit: what every Wallet Reports service is built from.

Services import from here, not from the kit's modules:

    from walletreports.kit import Service, BackgroundTask, EventHandlers, UnitOfWork, Clock

Names are loaded on first use, so importing one light piece (the error family the
domain raises, say) does not pull in FastAPI, SQLAlchemy and NATS.

What is where: settings (fail-fast config), errors (the one error family), clock,
service (the declaration and its app), platform + injection (the composition root and
what handlers, tasks and routes receive by name), background + lease (loops, one
replica at a time), effects (durable side effects), rate_limit (a limit shared by all
replicas), messaging (outbox, relay, inbox, consumers), http (health, metrics, auth,
error envelope, route dependencies), cli.
Test and dev-only parts (fixtures, the probe service, process launchers) are the
separate walletreports.devkit package, not installed with a service.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# public name -> module that defines it
_EXPORTS = {
    # declaring and running a service
    "Service": "service",
    "create_app": "service",
    "main": "cli",
    "Platform": "platform",
    "BackgroundTask": "background",
    "Lease": "lease",
    "WiringError": "injection",
    # settings
    "ServiceSettings": "settings",
    "HttpPort": "settings",
    "DatabaseUrl": "settings",
    "NatsUrl": "settings",
    "ConfigError": "settings",
    "load_settings": "settings",
    # errors
    "DomainError": "errors",
    "InvalidInput": "errors",
    "NotFound": "errors",
    "Conflict": "errors",
    "Forbidden": "errors",
    "Unavailable": "errors",
    # time
    "Clock": "clock",
    "SystemClock": "clock",
    "MovableClock": "clock",
    # events and transactions
    "EventHandlers": "messaging.routes",
    "UnitOfWork": "messaging.unit_of_work",
    "UnitsOfWork": "messaging.unit_of_work",
    "Outbox": "messaging.outbox",
    "kit_tables": "tables",
    "repeat": "periodic",
    # durable side effects
    "request_effect": "effects",
    "EffectRunner": "effects",
    "Performer": "effects",
    "EffectPolicy": "effects",
    "EffectNotPerformed": "effects",
    "EffectRefused": "effects",
    "EffectRequest": "effects",
    "Intent": "effects",
    # a rate limit shared by every replica
    "RateLimit": "rate_limit",
    "RateLimitTimeout": "rate_limit",
    # HTTP
    "ApiError": "http.errors",
    "ErrorEnvelope": "http.schemas",
    "error_response": "http.schemas",
    "error_responses": "http.schemas",
    "InternalAuth": "http.auth",
    "collaborator": "http.dependencies",
    "Units": "http.dependencies",
    "Now": "http.dependencies",
    "ClockDep": "http.dependencies",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'walletreports.kit' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:  # what type checkers and editors see
    # `X as X` marks a re-export (tools cannot read the computed __all__ above)
    from .background import BackgroundTask as BackgroundTask
    from .cli import main as main
    from .clock import Clock as Clock
    from .clock import MovableClock as MovableClock
    from .clock import SystemClock as SystemClock
    from .effects import EffectNotPerformed as EffectNotPerformed
    from .effects import EffectPolicy as EffectPolicy
    from .effects import EffectRefused as EffectRefused
    from .effects import EffectRequest as EffectRequest
    from .effects import EffectRunner as EffectRunner
    from .effects import Intent as Intent
    from .effects import Performer as Performer
    from .effects import request_effect as request_effect
    from .errors import Conflict as Conflict
    from .errors import DomainError as DomainError
    from .errors import Forbidden as Forbidden
    from .errors import InvalidInput as InvalidInput
    from .errors import NotFound as NotFound
    from .errors import Unavailable as Unavailable
    from .http.auth import InternalAuth as InternalAuth
    from .http.dependencies import ClockDep as ClockDep
    from .http.dependencies import Now as Now
    from .http.dependencies import Units as Units
    from .http.dependencies import collaborator as collaborator
    from .http.errors import ApiError as ApiError
    from .http.schemas import ErrorEnvelope as ErrorEnvelope
    from .http.schemas import error_response as error_response
    from .http.schemas import error_responses as error_responses
    from .injection import WiringError as WiringError
    from .lease import Lease as Lease
    from .messaging.outbox import Outbox as Outbox
    from .messaging.routes import EventHandlers as EventHandlers
    from .messaging.unit_of_work import UnitOfWork as UnitOfWork
    from .messaging.unit_of_work import UnitsOfWork as UnitsOfWork
    from .periodic import repeat as repeat
    from .platform import Platform as Platform
    from .rate_limit import RateLimit as RateLimit
    from .rate_limit import RateLimitTimeout as RateLimitTimeout
    from .service import Service as Service
    from .service import create_app as create_app
    from .settings import ConfigError as ConfigError
    from .settings import DatabaseUrl as DatabaseUrl
    from .settings import HttpPort as HttpPort
    from .settings import NatsUrl as NatsUrl
    from .settings import ServiceSettings as ServiceSettings
    from .settings import load_settings as load_settings
    from .tables import kit_tables as kit_tables
