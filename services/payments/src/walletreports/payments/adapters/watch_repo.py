"""The watcher's bookkeeping: per receiving account, the cursor (the newest signature at
or below which everything is finalized and handled) and the signatures above it that
were handled, at the commitment they were handled at."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain import Commitment
from .tables import watch_cursors, watched_signatures


@dataclass(frozen=True, slots=True)
class Cursor:
    account: str
    until_signature: str | None
    until_slot: int | None


@dataclass(frozen=True, slots=True)
class Watched:
    signature: str
    slot: int
    commitment: Commitment
    outcome: str  # transfer, refund, rejected, ignored


class WatchRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def cursor(self, account: str) -> Cursor | None:
        row = (
            await self.session.execute(
                select(watch_cursors).where(watch_cursors.c.account == account)
            )
        ).first()
        if row is None:
            return None
        return Cursor(row.account, row.until_signature, row.until_slot)

    async def start(self, account: str, *, now: datetime) -> None:
        """The account is watched from now on (a cursor row with no signature yet)."""
        await self.session.execute(
            insert(watch_cursors)
            .values(account=account, until_signature=None, until_slot=None, updated_at=now)
            .on_conflict_do_nothing(index_elements=["account"])
        )

    async def advance(self, account: str, *, signature: str, slot: int, now: datetime) -> None:
        """Move the cursor and forget the handled signatures it passed (a poll with
        `until` never lists them again)."""
        await self.session.execute(
            update(watch_cursors)
            .where(watch_cursors.c.account == account)
            .values(until_signature=signature, until_slot=slot, updated_at=now)
        )
        await self.session.execute(
            delete(watched_signatures).where(
                watched_signatures.c.account == account, watched_signatures.c.slot <= slot
            )
        )

    async def watched(self, account: str) -> dict[str, Watched]:
        rows = await self.session.execute(
            select(watched_signatures).where(watched_signatures.c.account == account)
        )
        return {
            r.signature: Watched(r.signature, r.slot, Commitment(r.commitment), r.outcome)
            for r in rows
        }

    async def mark(
        self,
        account: str,
        *,
        signature: str,
        slot: int,
        commitment: Commitment,
        outcome: str,
        now: datetime,
    ) -> None:
        """Record (or raise the commitment of) a handled signature; never lowers it (a
        late confirm-by-signature at confirmed after the watcher saw it finalized)."""
        statement = insert(watched_signatures).values(
            account=account,
            signature=signature,
            slot=slot,
            commitment=commitment.value,
            outcome=outcome,
            seen_at=now,
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["account", "signature"],
                # 'finalized' > 'confirmed' as text too: the two commitments stored here.
                set_={
                    "commitment": func.greatest(
                        watched_signatures.c.commitment, statement.excluded.commitment
                    ),
                    "slot": statement.excluded.slot,
                },
            )
        )

    async def forget(self, account: str, signatures: Iterable[str]) -> None:
        """A fork took these away: nothing to promote or skip any more."""
        await self.session.execute(
            delete(watched_signatures).where(
                watched_signatures.c.account == account,
                watched_signatures.c.signature.in_(list(signatures)),
            )
        )
