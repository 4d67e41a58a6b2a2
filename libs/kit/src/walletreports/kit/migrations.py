"""Alembic, driven from code. The kit owns the environment (alembic/env.py) and the
first revisions (the outbox and inbox tables, then the kit's later tables on a branch
of their own); each service keeps only its own versions folder, whose first revision
follows the kit's `messaging_0001`. So a database has two heads, the kit's and the
service's, and "migrated" means both: `upgrade` goes to "heads".

Migrations run under a PostgreSQL advisory lock so that several replicas starting
at once apply them exactly once.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, create_engine, pool, text
from sqlalchemy.engine import make_url

# Any fixed number: it only has to be the same for every replica of a service.
_MIGRATION_LOCK_ID = 727_001


KIT_ALEMBIC_DIR = Path(__file__).parent / "alembic"


def alembic_config(
    database_url: str, versions_dir: Path, metadata: MetaData | None = None
) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(KIT_ALEMBIC_DIR))
    cfg.set_main_option("version_locations", f"{KIT_ALEMBIC_DIR / 'versions'} {versions_dir}")
    cfg.set_main_option("path_separator", "space")
    cfg.attributes["database_url"] = database_url
    cfg.attributes["target_metadata"] = metadata
    return cfg


def upgrade(database_url: str, versions_dir: Path, revision: str = "heads") -> None:
    command.upgrade(alembic_config(database_url, versions_dir), revision)


def downgrade(database_url: str, versions_dir: Path, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url, versions_dir), revision)


def run_env() -> None:
    """The body of the kit's alembic/env.py (online mode only)."""
    target_metadata = context.config.attributes.get("target_metadata")
    url = context.config.attributes["database_url"]
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
        connection.commit()
        try:
            context.configure(
                connection=connection, target_metadata=target_metadata, compare_type=True
            )
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": _MIGRATION_LOCK_ID})
            connection.commit()
    engine.dispose()


def ensure_database(database_url: str) -> bool:
    """Create the database named in the URL if it is missing (local runs and tests only).

    Returns True when it was created.
    """
    url = make_url(database_url)
    admin = create_engine(
        url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=pool.NullPool
    )
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}
            ).scalar()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{url.database}"'))
            return not exists
    finally:
        admin.dispose()
