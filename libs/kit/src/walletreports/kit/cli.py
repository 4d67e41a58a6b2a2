"""The command line every service shares:

    python -m walletreports.<service> serve     # HTTP + consumers + relay + background tasks
    python -m walletreports.<service> migrate   # apply its Alembic migrations

A service's `__main__.py` is one call: `main(OrdersSettings, "walletreports.orders.app:SERVICE")`.
Settings are checked before the service's heavy imports (the service module is
imported only then), so a configuration problem ends the process at once with exit
code 2 and one line naming the variable.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from typing import TYPE_CHECKING, Any

from .log import configure_logging
from .settings import ConfigError, ServiceSettings, load_settings

if TYPE_CHECKING:
    from .service import Service

log = logging.getLogger(__name__)


def main(
    settings_cls: type[ServiceSettings], service_path: str, argv: list[str] | None = None
) -> None:
    module_name = service_path.partition(":")[0]
    name = module_name.split(".")[1] if module_name.count(".") >= 1 else module_name
    parser = argparse.ArgumentParser(prog=f"python -m walletreports.{name}")
    parser.add_argument("command", choices=["serve", "migrate"], nargs="?", default="serve")
    args = parser.parse_args(argv)
    try:
        settings = load_settings(settings_cls)
    except ConfigError as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(name, settings.log_level)
    service = load_service(service_path)
    if args.command == "migrate":
        from . import migrations  # Alembic is heavy; `serve` does not need it

        migrations.upgrade(settings.database_url, service.migrations_dir)
        log.info("migrations applied")
        return
    import uvicorn

    from .service import create_app

    uvicorn.run(
        create_app(service, settings),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=5,
    )


def load_service(path: str) -> Service[Any]:
    """`package.module:ATTRIBUTE` -> the Service it names."""
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute or "SERVICE")  # type: ignore[no-any-return]
