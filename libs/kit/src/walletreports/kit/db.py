"""The service's own database: an async engine and sessions, built on demand."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


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
            # Fail fast when the server is gone instead of hanging a request.
            connect_args={"connect_timeout": 3},
        )
        self.sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(self.engine, expire_on_commit=False)

    async def ping(self, timeout: float = 2.0) -> None:
        async def _select_one() -> None:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))

        await asyncio.wait_for(_select_one(), timeout)

    async def dispose(self) -> None:
        await self.engine.dispose()
