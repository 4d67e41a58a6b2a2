"""The payments service as the kit runs it."""

from pathlib import Path

from walletreports.kit.service import ServiceSpec

from .adapters.tables import metadata
from .settings import PaymentsSettings

SPEC = ServiceSpec(
    name="payments",
    settings_cls=PaymentsSettings,
    metadata=metadata,
    migrations_dir=Path(__file__).parent / "migrations",
    default_port=8002,
)
