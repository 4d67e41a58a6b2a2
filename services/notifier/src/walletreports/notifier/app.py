"""The notifier service as the kit runs it."""

from pathlib import Path

from walletreports.kit.service import ServiceSpec

from .adapters.tables import metadata
from .entrypoints.events import handlers
from .settings import NotifierSettings

SPEC = ServiceSpec(
    name="notifier",
    settings_cls=NotifierSettings,
    metadata=metadata,
    migrations_dir=Path(__file__).parent / "migrations",
    handlers=handlers,
    default_port=8004,
)
