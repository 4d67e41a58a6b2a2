"""The dune_runner service as the kit runs it."""

from pathlib import Path

from walletreports.kit.service import ServiceSpec

from .adapters.tables import metadata
from .settings import DuneRunnerSettings

SPEC = ServiceSpec(
    name="dune_runner",
    settings_cls=DuneRunnerSettings,
    metadata=metadata,
    migrations_dir=Path(__file__).parent / "migrations",
    default_port=8003,
)
