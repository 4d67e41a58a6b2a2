"""The orders service as the kit runs it."""

from pathlib import Path

from walletreports.kit.service import ServiceSpec, app_factory

from .adapters.tables import metadata
from .settings import OrdersSettings

SPEC = ServiceSpec(
    name="orders",
    settings_cls=OrdersSettings,
    metadata=metadata,
    migrations_dir=Path(__file__).parent / "migrations",
    default_port=8001,
)

create = app_factory(SPEC)
