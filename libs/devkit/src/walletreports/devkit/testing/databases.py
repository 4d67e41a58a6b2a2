"""PostgreSQL for tests: the machine's server when TEST_DATABASE_URL is set, otherwise
an embedded pgserver, or a testcontainer when a Docker engine is reachable and
pgserver is not usable. Every test run gets fresh databases, dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import MetaData, create_engine, pool, text
from sqlalchemy.engine import make_url


def psycopg_url(url: str) -> str:
    rendered = make_url(url).set(drivername="postgresql+psycopg")
    return rendered.render_as_string(hide_password=False)


@contextmanager
def embedded_postgres(data_dir: Path) -> Iterator[str]:
    import pgserver

    server = pgserver.get_server(str(data_dir), cleanup_mode="stop")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


@contextmanager
def containerised_postgres() -> Iterator[str]:
    from testcontainers.postgres import PostgresContainer

    with PostgresContainer("postgres:16-alpine") as container:
        yield container.get_connection_url()


def docker_reachable() -> bool:
    try:
        import docker

        docker.from_env().ping()
        return True
    except Exception:  # noqa: BLE001
        return False


class DatabaseFactory:
    """Creates uniquely named databases on one server and drops them all at the end."""

    def __init__(self, admin_url: str, run_id: str) -> None:
        self.admin_url = psycopg_url(admin_url)
        self.run_id = run_id
        self.created: list[str] = []
        self._admin = create_engine(
            self.admin_url, isolation_level="AUTOCOMMIT", poolclass=pool.NullPool
        )

    def create(self, label: str) -> str:
        name = f"wrt_{self.run_id}_{label}_{uuid.uuid4().hex[:6]}"
        with self._admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def create_with(self, label: str, metadata: MetaData) -> str:
        """A new database holding `metadata`'s tables (a kit piece tested on its own)."""
        url = self.create(label)
        engine = create_engine(url, poolclass=pool.NullPool)
        try:
            metadata.create_all(engine)
        finally:
            engine.dispose()
        return url

    def drop_all(self) -> None:
        with self._admin.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.created.clear()
        self._admin.dispose()
