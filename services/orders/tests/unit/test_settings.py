from __future__ import annotations

from types import SimpleNamespace

from walletreports.orders.app import SPEC
from walletreports.orders.entrypoints.http.dependencies import CATALOG
from walletreports.orders.settings import OrdersSettings


async def test_the_service_runs_the_catalog_its_settings_checked(tmp_path, catalog_path, catalog):
    # The file is read once, when the settings are checked: what happens to it between
    # that check and the start cannot make the service run another catalog, or none.
    path = tmp_path / "catalog.toml"
    path.write_text(catalog_path.read_text())
    settings = OrdersSettings(
        ORDERS_DATABASE_URL="postgresql://127.0.0.1:1/orders", ORDERS_CATALOG_PATH=str(path)
    )
    path.unlink()
    runtime = SimpleNamespace(settings=settings, extras={})
    await SPEC.on_start(runtime)
    assert runtime.extras[CATALOG] == catalog
