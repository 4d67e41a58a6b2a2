"""Report bundles (domain.bundle): one row per run, replaced only by a later finish."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain import ReportBundle
from .tables import analyses, report_bundles, report_files

__all__ = ["BundleRepository", "bundle_from_row"]


class BundleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, analysis_id: uuid.UUID) -> ReportBundle | None:
        row = (
            await self.session.execute(
                select(report_bundles).where(report_bundles.c.analysis_id == analysis_id)
            )
        ).first()
        return None if row is None else bundle_from_row(row)

    async def to_build(self, *, limit: int) -> list[uuid.UUID]:
        """Runs finished completed or partial, with files, and no bundle of this finish:
        oldest finish first."""
        has_files = select(report_files.c.job_id).where(report_files.c.analysis_id == analyses.c.id)
        query = (
            select(analyses.c.id)
            .outerjoin(report_bundles, report_bundles.c.analysis_id == analyses.c.id)
            .where(
                analyses.c.status == "finished",
                analyses.c.outcome.in_(["completed", "partial"]),
                has_files.exists(),
                or_(
                    report_bundles.c.analysis_id.is_(None),
                    report_bundles.c.runs < analyses.c.runs,
                ),
            )
            .order_by(analyses.c.finished_at, analyses.c.id)
            .limit(limit)
        )
        return [row.id for row in (await self.session.execute(query)).all()]

    async def save(self, bundle: ReportBundle) -> bool:
        """Insert, or replace a bundle of an earlier finish; False when one for this
        finish (or a later one) is there already."""
        values = _values(bundle)
        statement = insert(report_bundles).values(**values)
        upsert = statement.on_conflict_do_update(
            index_elements=[report_bundles.c.analysis_id],
            set_={k: statement.excluded[k] for k in values if k != "analysis_id"},
            where=and_(report_bundles.c.runs < statement.excluded.runs),
        ).returning(report_bundles.c.analysis_id)
        return (await self.session.execute(upsert)).first() is not None


def _values(bundle: ReportBundle) -> dict[str, Any]:
    return {name: getattr(bundle, name) for name in ReportBundle.__dataclass_fields__}


def bundle_from_row(row: Any) -> ReportBundle:
    return ReportBundle(**{name: getattr(row, name) for name in ReportBundle.__dataclass_fields__})
