"""The orders service as the kit runs it."""

from pathlib import Path

from walletreports.kit.runtime import ServiceRuntime
from walletreports.kit.service import ServiceSpec

from .adapters.tables import metadata
from .entrypoints.events import handlers
from .entrypoints.http import admin, orders_v1
from .entrypoints.http.dependencies import CATALOG
from .entrypoints.schedule import expire_subscriptions, prune_idempotency_keys
from .settings import OrdersSettings


async def load_collaborators(runtime: ServiceRuntime) -> None:
    # Read and checked by OrdersSettings (a bad file stops the process there, in one line).
    runtime.extras[CATALOG] = runtime.settings.catalog  # type: ignore[attr-defined]


SPEC = ServiceSpec(
    name="orders",
    settings_cls=OrdersSettings,
    metadata=metadata,
    migrations_dir=Path(__file__).parent / "migrations",
    routers=[orders_v1.router, admin.router],
    handlers=handlers,
    background=[expire_subscriptions, prune_idempotency_keys],
    on_start=load_collaborators,
    default_port=8001,
)
