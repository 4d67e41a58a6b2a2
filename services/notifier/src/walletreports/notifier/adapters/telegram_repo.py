"""The deep link's one-time tokens (hashes only) and the bot's updates, as received."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from .tables import telegram_link_tokens, telegram_updates


@dataclass(frozen=True, slots=True)
class LinkToken:
    token_hash: str
    user_id: uuid.UUID
    expires_at: datetime
    used_at: datetime | None


class TelegramRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_token(
        self, token_hash: str, user_id: uuid.UUID, *, at: datetime, expires_at: datetime
    ) -> None:
        await self.session.execute(
            insert(telegram_link_tokens).values(
                token_hash=token_hash, user_id=user_id, created_at=at, expires_at=expires_at
            )
        )

    async def token(self, token_hash: str) -> LinkToken | None:
        row = (
            await self.session.execute(
                select(telegram_link_tokens)
                .where(telegram_link_tokens.c.token_hash == token_hash)
                .with_for_update()
            )
        ).first()
        if row is None:
            return None
        return LinkToken(row.token_hash, row.user_id, row.expires_at, row.used_at)

    async def use_token(self, token_hash: str, chat_id: int, *, at: datetime) -> None:
        await self.session.execute(
            update(telegram_link_tokens)
            .where(telegram_link_tokens.c.token_hash == token_hash)
            .values(used_at=at, chat_id=chat_id)
        )

    async def record_update(
        self,
        update_id: int,
        *,
        chat_id: int | None,
        user_id: uuid.UUID | None,
        outcome: str,
        reason: str | None,
        at: datetime,
    ) -> bool:
        """False (nothing written) when this update was recorded already (a resend)."""
        result = await self.session.execute(
            insert(telegram_updates)
            .values(
                update_id=update_id,
                chat_id=chat_id,
                user_id=user_id,
                outcome=outcome,
                reason=reason,
                received_at=at,
            )
            .on_conflict_do_nothing(index_elements=[telegram_updates.c.update_id])
        )
        return bool(getattr(result, "rowcount", 0))
