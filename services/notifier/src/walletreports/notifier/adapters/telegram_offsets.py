"""Where long polling goes on from, per bot (table telegram_poll_offsets).

getUpdates returns the updates from the `offset` it is asked with, and asking with an
offset confirms every update below it: Telegram forgets them. The offset is the last
handled update_id + 1, saved in the transaction that handled that update, so after a
restart the poller asks from just past the last update it handled: none is skipped,
none handled twice (telegram_updates, unique by update_id, stops a second handling
should Telegram send one again anyway).

An old offset is not asked with: Telegram numbers updates from a random new start
after a week without any, possibly below our offset, and asking with an offset above
those would confirm (drop) them unread. After STALE_AFTER without an update the poller
asks without an offset, which returns every update Telegram still holds: all
unconfirmed ones, none of them handled (each handled one was confirmed by the next ask).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from .tables import telegram_poll_offsets

# Below Telegram's week, with a day to spare.
STALE_AFTER = timedelta(days=6)


@dataclass(frozen=True, slots=True)
class PollOffset:
    next_update_id: int | None = None  # None: no update handled by polling yet
    advanced_at: datetime | None = None

    def to_ask(self, now: datetime) -> int | None:
        """The offset to ask getUpdates with, or None (every update Telegram holds)."""
        if self.next_update_id is None or self.advanced_at is None:
            return None
        if now - self.advanced_at >= STALE_AFTER:
            return None
        return self.next_update_id

    def past(self, update_id: int, *, at: datetime) -> PollOffset:
        """The offset once `update_id` is handled. Not max(): after a renumbering the
        new ids are lower than the old ones."""
        return PollOffset(update_id + 1, at)


class TelegramOffsets:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, bot_id: int) -> PollOffset:
        row = (
            await self.session.execute(
                select(telegram_poll_offsets).where(telegram_poll_offsets.c.bot_id == bot_id)
            )
        ).first()
        if row is None:
            return PollOffset()
        return PollOffset(row.next_update_id, row.advanced_at)

    async def save(self, bot_id: int, offset: PollOffset) -> None:
        assert offset.next_update_id is not None and offset.advanced_at is not None
        values = {"next_update_id": offset.next_update_id, "advanced_at": offset.advanced_at}
        await self.session.execute(
            insert(telegram_poll_offsets)
            .values(bot_id=bot_id, **values)
            .on_conflict_do_update(index_elements=[telegram_poll_offsets.c.bot_id], set_=values)
        )
