from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

from walletreports.orders.bootstrap import bootstrap
from walletreports.orders.settings import OrdersSettings


async def test_the_service_runs_the_catalog_its_settings_checked(tmp_path, catalog_path, catalog):
    # The file is read once, when the settings are checked: what happens to it between
    # that check and the start cannot make the service run another catalog, or none.
    path = tmp_path / "catalog.toml"
    path.write_text(catalog_path.read_text())
    settings = OrdersSettings(
        database_url="postgresql://127.0.0.1:1/orders", ORDERS_CATALOG_PATH=str(path)
    )
    path.unlink()
    async with bootstrap(cast(Any, SimpleNamespace(settings=settings))) as built:
        assert built.catalog == catalog
