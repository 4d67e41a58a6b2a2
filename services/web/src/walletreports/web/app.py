"""The web service as the kit runs it."""

from pathlib import Path

from walletreports.kit.service import ServiceSpec

from .adapters.tables import metadata
from .settings import WebSettings

SPEC = ServiceSpec(
    name="web",
    settings_cls=WebSettings,
    metadata=metadata,
    migrations_dir=Path(__file__).parent / "migrations",
    default_port=8000,
)
