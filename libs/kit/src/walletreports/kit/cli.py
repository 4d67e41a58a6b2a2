"""The command line every service shares:

    python -m walletreports.<service> serve     # HTTP + consumers + relay
    python -m walletreports.<service> migrate   # apply its Alembic migrations

Settings are checked before the service's heavy imports, so a configuration problem
ends the process at once with exit code 2 and one line naming the variable.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from .log import configure_logging
from .settings import ConfigError, ServiceSettings, load_settings

if TYPE_CHECKING:
    from .service import ServiceSpec

log = logging.getLogger(__name__)


def run(name: str, settings_cls: type[ServiceSettings], load_spec: Callable[[], ServiceSpec], argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m walletreports.{name}")
    parser.add_argument("command", choices=["serve", "migrate"], nargs="?", default="serve")
    args = parser.parse_args(argv)
    try:
        settings = load_settings(settings_cls)
    except ConfigError as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(name, settings.log_level)
    spec = load_spec()
    if args.command == "migrate":
        from . import migrations  # Alembic is heavy; `serve` does not need it

        migrations.upgrade(settings.database_url, spec.migrations_dir)  # type: ignore[attr-defined]
        log.info("migrations applied")
        return
    import uvicorn

    from .service import create_app

    uvicorn.run(
        create_app(spec, settings),
        host=settings.http_host,
        port=int(getattr(settings, "http_port", spec.default_port)),
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=5,
    )
