"""Every service says it is not ready while its database or NATS is unreachable, and
ready again when they return (the dependencies are cut with a real TCP proxy)."""

import contextlib
from urllib.parse import urlparse

import pytest
from sqlalchemy.engine import URL, make_url

from walletreports.devkit.testing.serving import wait_until_ready
from walletreports.devkit.testing.tcp_proxy import TcpProxy

from walletreports.devstack.services import SERVICES


def database_proxy(database_url: str) -> tuple[TcpProxy, URL]:
    """A proxy in front of the database, and the URL that goes through it."""
    url = make_url(database_url)
    socket_dir = url.query.get("host")
    if socket_dir:  # the embedded pgserver listens on a unix socket only
        proxy = TcpProxy(upstream_unix=f"{socket_dir}/.s.PGSQL.{url.port or 5432}")
    else:
        proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    return proxy, url


@pytest.mark.parametrize("entry", SERVICES, ids=lambda s: s.name)
async def test_readyz_follows_the_database_and_nats(services, nats_url, outside_env, entry):
    spec = entry.service()
    chain = outside_env(entry)  # a node for payments, Dune for dune_runner (conftest.py)
    database_url = services.database(spec)
    db_proxy, url = database_proxy(database_url)
    nats = urlparse(nats_url.split(",")[0])
    async with contextlib.AsyncExitStack() as proxies:
        await db_proxy.start()
        proxies.push_async_callback(db_proxy.close)
        nats_proxy = await TcpProxy(nats.hostname, nats.port or 4222).start()
        proxies.push_async_callback(nats_proxy.close)
        proxied_db = url.difference_update_query(["host"]).set(host="127.0.0.1", port=db_proxy.port)

        async with services.run(
            spec,
            database_url=proxied_db.render_as_string(hide_password=False),
            NATS_URL=f"nats://127.0.0.1:{nats_proxy.port}",
            **entry.dev_env,
            **chain,
        ) as service:
            assert (await service.http.get("/healthz")).json() == {"status": "ok"}

            await db_proxy.cut()
            body = await wait_until_ready(service.http, want=503)
            assert body["checks"]["database"].startswith("unreachable")
            assert body["checks"]["nats"] == "ok"
            await db_proxy.restore()
            await wait_until_ready(service.http)

            await nats_proxy.cut()
            body = await wait_until_ready(service.http, want=503)
            checks = {name: body["checks"][name] for name in ("database", "nats")}
            assert checks == {"database": "ok", "nats": "disconnected (reconnecting)"}
            await nats_proxy.restore()
            await wait_until_ready(service.http)

            metrics = (await service.http.get("/metrics")).text
            assert 'http_requests_total{method="GET",route="/readyz"' in metrics
