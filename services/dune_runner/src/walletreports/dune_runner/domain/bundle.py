"""The report bundle of a run that finished with files (completed or partial): the zip of
its CSVs and `summary.json`, and `summary.json` on its own, stored next to the reports
(`reports/{user_id}/{order_id}/bundle.zip`, `summary.json`).

A bundle belongs to one finish of the run (`runs`, the run's count when it was built): a
second build for the same finish finds it done; a run re-opened and finished again is
bundled again, at the same paths and under the same file ids (derived from the run id).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .analysis import ID_NAMESPACE
from .paths import report_path

__all__ = [
    "BUNDLE_FILE_NAME",
    "SUMMARY_FILE_NAME",
    "BundleFiles",
    "ReportBundle",
    "bundle_files",
]

BUNDLE_FILE_NAME = "bundle.zip"
SUMMARY_FILE_NAME = "summary.json"


@dataclass(frozen=True, slots=True)
class BundleFiles:
    """Where a run's bundle goes and the ids its two files are served under."""

    zip_file_id: uuid.UUID
    zip_path: str
    summary_file_id: uuid.UUID
    summary_path: str


def bundle_files(analysis_id: uuid.UUID, user_id: uuid.UUID, order_id: uuid.UUID) -> BundleFiles:
    return BundleFiles(
        zip_file_id=uuid.uuid5(ID_NAMESPACE, f"{analysis_id}/{BUNDLE_FILE_NAME}"),
        zip_path=report_path(user_id, order_id, BUNDLE_FILE_NAME),
        summary_file_id=uuid.uuid5(ID_NAMESPACE, f"{analysis_id}/{SUMMARY_FILE_NAME}"),
        summary_path=report_path(user_id, order_id, SUMMARY_FILE_NAME),
    )


@dataclass(frozen=True, slots=True)
class ReportBundle:
    analysis_id: uuid.UUID
    order_id: uuid.UUID
    user_id: uuid.UUID
    runs: int
    zip_file_id: uuid.UUID
    zip_path: str
    zip_size_bytes: int
    zip_sha256: str
    summary_file_id: uuid.UUID
    summary_path: str
    summary_size_bytes: int
    summary_sha256: str
    summary: dict[str, Any]  # BundleSummary.to_json()
    created_at: datetime
