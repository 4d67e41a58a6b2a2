"""The service's own database: an async engine and sessions, built on demand."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

CONNECT_ARGS = {
    # Fail fast when the server is gone instead of hanging a request.
    "connect_timeout": 3,
    # No statement, lock wait or forgotten transaction may hold a connection for long:
    # consumers then fail and retry instead of stalling behind a stuck lock.
    "options": "-c lock_timeout=5s -c statement_timeout=30s -c idle_in_transaction_session_timeout=60s",
}


class Database:
    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.engine: AsyncEngine = create_async_engine(
            url,
            pool_size=pool_size,
            max_overflow=pool_size,
            # No ping per checkout (it costs a quarter of a small transaction): SQLAlchemy
            # invalidates the whole pool on the first disconnect error instead, and every
            # caller here retries (consumers NAK, the relay loops, readiness re-checks).
            pool_pre_ping=False,
            connect_args=CONNECT_ARGS,
        )
        self.sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(
            self.engine, expire_on_commit=False
        )
        # Readiness asks the server, not the pool: a pool exhausted by busy consumers
        # must not make the service look unreachable.
        self._probe = create_async_engine(url, poolclass=NullPool, connect_args=CONNECT_ARGS)

    async def ping(self, timeout: float = 2.0) -> None:
        async def _select_one() -> None:
            async with self._probe.connect() as conn:
                await conn.execute(text("SELECT 1"))

        await asyncio.wait_for(_select_one(), timeout)

    async def dispose(self) -> None:
        await self.engine.dispose()
        await self._probe.dispose()
