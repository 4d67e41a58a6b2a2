"""The orders service's configuration, from the environment only.

The catalog file is read and checked here, with the other settings, so a bad price or a
missing file stops `serve` with the kit's one-line message naming ORDERS_CATALOG_PATH.
(A ConfigError raised later, in the composition root, would surface as uvicorn's
traceback and exit code 3 instead.) The catalog checked is the one the service uses: the setting
holds it, so the file is read once.
"""

from pathlib import Path
from typing import Annotated

from pydantic import BeforeValidator, Field
from pydantic_settings import NoDecode

from walletreports.kit import HttpPort, ServiceSettings

from .domain import Catalog, CatalogConfigError, load_catalog

# Shipped inside the package so the wheel carries it.
DEFAULT_CATALOG_PATH = Path(__file__).parent / "catalog.toml"


def _catalog_at(value: str | Path | Catalog) -> Catalog:
    """ORDERS_CATALOG_PATH names the file; the setting is the catalog read from it."""
    if isinstance(value, Catalog):
        return value
    try:
        return load_catalog(value)
    except CatalogConfigError as exc:
        raise ValueError(str(exc)) from None


# NoDecode: the environment gives a path, not the catalog as JSON.
CatalogFromPath = Annotated[Catalog, NoDecode, BeforeValidator(_catalog_at)]


class OrdersSettings(ServiceSettings, env_prefix="ORDERS_"):
    http_port: HttpPort = 8001
    catalog: CatalogFromPath = Field(
        DEFAULT_CATALOG_PATH, validation_alias="ORDERS_CATALOG_PATH", validate_default=True
    )
    # How often a replica looks for subscriptions whose time is up.
    subscription_expiry_interval_seconds: float = Field(
        60.0, validation_alias="ORDERS_SUBSCRIPTION_EXPIRY_INTERVAL_SECONDS", gt=0, le=3600
    )
