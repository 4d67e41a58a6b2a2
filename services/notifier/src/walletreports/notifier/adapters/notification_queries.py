"""The staff console's read model of notifications: a filtered, searched page, and one
notification with its send as the kit's side effect keeps it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, cast, func, or_, select
from sqlalchemy import Text as SqlText
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain import TemplateName
from .tables import notifications, side_effects

n, e = notifications, side_effects

_JOIN = and_(e.c.kind == func.concat("notifier.", n.c.channel), e.c.key == cast(n.c.id, SqlText))


@dataclass(frozen=True)
class NotificationFilters:
    statuses: tuple[str, ...] = ()
    templates: tuple[str, ...] = ()
    channel: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None  # exclusive
    search: str | None = None


def _summary(row: Any) -> dict[str, Any]:
    return {
        "notification_id": row.id,
        "channel": row.channel,
        "template": row.template,
        "category": TemplateName(row.template).category.value,
        "status": row.status,
        "reason_code": row.reason_code,
        "reason": row.reason,
        "recipient": row.recipient,
        "subject": row.subject,
        "message_id": row.message_id,
        "user_id": row.user_id,
        "order_id": row.order_id,
        "event_id": row.event_id,
        "event_subject": row.event_subject,
        "attempts": row.attempts or 0,
        "resends": row.resends,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "sent_at": row.sent_at,
    }


def _search(text: str) -> Any:
    try:
        value = uuid.UUID(text)
    except ValueError:
        lowered = text.lower()
        return or_(
            func.lower(n.c.recipient) == lowered,
            n.c.message_id == text,
            n.c.message_id == f"<{text.strip('<>')}>",
        )
    return or_(n.c.id == value, n.c.order_id == value, n.c.user_id == value, n.c.event_id == value)


def _filtered(query: Select[Any], filters: NotificationFilters) -> Select[Any]:
    if filters.statuses:
        query = query.where(n.c.status.in_(filters.statuses))
    if filters.templates:
        query = query.where(n.c.template.in_(filters.templates))
    if filters.channel is not None:
        query = query.where(n.c.channel == filters.channel)
    if filters.created_from is not None:
        query = query.where(n.c.created_at >= filters.created_from)
    if filters.created_to is not None:
        query = query.where(n.c.created_at < filters.created_to)
    if filters.search is not None:
        query = query.where(_search(filters.search))
    return query


class NotificationQueries:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def page(
        self, filters: NotificationFilters, *, limit: int, offset: int
    ) -> dict[str, Any]:
        total = (
            await self.session.execute(_filtered(select(func.count()).select_from(n), filters))
        ).scalar_one()
        query = _filtered(
            select(n, e.c.attempts.label("attempts")).select_from(n.outerjoin(e, _JOIN)), filters
        )
        rows = (
            await self.session.execute(
                query.order_by(n.c.created_at.desc(), n.c.id.desc()).limit(limit).offset(offset)
            )
        ).all()
        return {
            "items": [_summary(row) for row in rows],
            "total": total,
            "limit": limit,
            "offset": offset,
        }

    async def detail(self, notification_id: uuid.UUID) -> dict[str, Any] | None:
        query = (
            select(
                n,
                e.c.attempts.label("attempts"),
                e.c.status.label("send_status"),
                e.c.last_error,
                e.c.next_attempt_at,
                e.c.started_at,
                e.c.finished_at,
                e.c.payload["text"].astext.label("text"),
                e.c.id.label("effect_id"),
            )
            .select_from(n.outerjoin(e, _JOIN))
            .where(n.c.id == notification_id)
        )
        row = (await self.session.execute(query)).first()
        if row is None:
            return None
        send = None
        if row.effect_id is not None:
            send = {
                "status": row.send_status,
                "attempts": row.attempts,
                "last_error": row.last_error,
                "next_attempt_at": row.next_attempt_at,
                "started_at": row.started_at,
                "finished_at": row.finished_at,
            }
        return {
            **_summary(row),
            "fact": row.fact,
            "audience": row.audience,
            "context": row.context,
            "text": row.text,
            "send": send,
            "last_resent_by": row.last_resent_by,
            "last_resent_at": row.last_resent_at,
        }
