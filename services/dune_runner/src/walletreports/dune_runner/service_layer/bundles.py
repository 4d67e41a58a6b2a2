"""The report bundle of a run that finished with files (completed or partial), built once
per finish, outside the transaction that finished it (a background task: entrypoints
.schedule.build_report_bundles):

1. read (no lock): the run, its files and any bundle; nothing to do unless the run is
   finished completed / partial with files and has no bundle of this finish;
2. the summary (`domain.summarize`) over the CSVs streamed back from the store, each
   report's columns as configured (`summary_columns`, names from the queries catalog);
3. `summary.json` and `bundle.zip` (every CSV + summary.json) written to the store
   (atomic replace; the zip's bytes depend only on its contents, so two replicas
   building at once write the same file);
4. the bundle row, in its own unit of work: the first one for this finish wins, a second
   build finds it done (`BundleRepository.save`).

A CSV that has gone from the store stops the build with an error (logged by the task,
tried again on its next round), never a bundle without it.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import tempfile
import uuid
import zipfile
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import IO, Any, Protocol

from ..domain import (
    SUMMARY_FILE_NAME,
    AnalysisOutcome,
    AnalysisStatus,
    ReportBundle,
    ReportFile,
    ReportRows,
    SummaryColumns,
    bundle_files,
    summarize,
)
from ..queries import ReportQuery
from .ports import StoredFile

__all__ = ["SUMMARY_COLUMNS", "build_bundle", "build_pending_bundles", "summary_columns"]

log = logging.getLogger("walletreports.dune_runner.bundles")

# What each catalog report's columns mean for the summary (queries/reports.toml). Checked
# against the catalog at start (`summary_columns`): a renamed column stops the start.
SUMMARY_COLUMNS: Mapping[str, SummaryColumns] = {
    "defi_trades": SummaryColumns(
        time="block_time",
        usd="amount_usd",
        token="token_bought_symbol",
        counterparty="project_contract_address",
    ),
    "lp_events": SummaryColumns(time="block_time", usd="amount_usd", counterparty="pool_address"),
    "transfers": SummaryColumns(
        time="block_time", usd="amount_usd", token="symbol", counterparty="counterparty"
    ),
}

# A fixed time in every zip entry: the zip's bytes depend on its contents only.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_CHUNK = 256 * 1024


def summary_columns(reports: Sequence[ReportQuery]) -> dict[str, SummaryColumns]:
    """The summary columns of each catalog report; a report not in SUMMARY_COLUMNS counts
    its rows only. ValueError for a configured column the report does not have."""
    found: dict[str, SummaryColumns] = {}
    for report in reports:
        columns = SUMMARY_COLUMNS.get(report.name, SummaryColumns())
        for name in (columns.time, columns.usd, columns.token, columns.counterparty):
            if name is not None and name not in report.column_names:
                raise ValueError(f"report {report.name!r} has no column {name!r} to summarize")
        found[report.name] = columns
    return found


class BundleStorePort(Protocol):
    async def write(self, path: str, chunks: Any) -> StoredFile: ...

    def chunks(self, path: str, size: int = ...) -> AsyncIterator[bytes]: ...


class _BundleUnit(Protocol):
    views: Any
    bundles: Any


class BundleUnitsPort(Protocol):
    def __call__(self) -> AbstractAsyncContextManager[_BundleUnit]: ...


async def build_pending_bundles(
    units: BundleUnitsPort,
    *,
    store: BundleStorePort,
    columns: Mapping[str, SummaryColumns],
    now: datetime,
    limit: int = 10,
) -> int:
    """Bundle up to `limit` runs that need one; returns how many were stored."""
    async with units() as uow:
        pending: list[uuid.UUID] = await uow.bundles.to_build(limit=limit)
    built = 0
    for analysis_id in pending:
        if await build_bundle(units, analysis_id, store=store, columns=columns, now=now):
            built += 1
    return built


async def build_bundle(
    units: BundleUnitsPort,
    analysis_id: uuid.UUID,
    *,
    store: BundleStorePort,
    columns: Mapping[str, SummaryColumns],
    now: datetime,
) -> bool:
    """Build and record the run's bundle; False when there is nothing to build (not
    finished with files) or it was built already for this finish."""
    async with units() as uow:
        view = await uow.views.analysis(analysis_id)
    if view is None or not _bundles(view.analysis.status, view.analysis.outcome, view.files):
        return False
    if view.bundle is not None and view.bundle.runs >= view.analysis.runs:
        return False
    run = view.analysis
    rows = [
        ReportRows(
            file.query_name,
            await _rows(store, file.path),
            columns.get(file.query_name, SummaryColumns()),
        )
        for file in view.files
    ]
    summary = summarize(rows).to_json()
    summary_bytes = json.dumps(summary, indent=2).encode() + b"\n"
    where = bundle_files(run.id, run.user_id, run.order_id)
    summary_stored = await store.write(where.summary_path, _one(summary_bytes))
    with tempfile.TemporaryFile() as scratch:
        await _zip(store, view.files, summary_bytes, scratch)
        zip_stored = await store.write(where.zip_path, _read(scratch))
    bundle = ReportBundle(
        analysis_id=run.id,
        order_id=run.order_id,
        user_id=run.user_id,
        runs=run.runs,
        zip_file_id=where.zip_file_id,
        zip_path=where.zip_path,
        zip_size_bytes=zip_stored.size_bytes,
        zip_sha256=zip_stored.sha256,
        summary_file_id=where.summary_file_id,
        summary_path=where.summary_path,
        summary_size_bytes=summary_stored.size_bytes,
        summary_sha256=summary_stored.sha256,
        summary=summary,
        created_at=now,
    )
    async with units() as uow:
        saved: bool = await uow.bundles.save(bundle)
    if saved:
        log.info("order %s: report bundle stored (%d files)", run.order_id, len(view.files))
    return saved


def _bundles(status: str, outcome: str | None, files: Sequence[ReportFile]) -> bool:
    return (
        status == AnalysisStatus.FINISHED
        and outcome in (AnalysisOutcome.COMPLETED, AnalysisOutcome.PARTIAL)
        and bool(files)
    )


async def _rows(store: BundleStorePort, path: str) -> list[dict[str, str]]:
    data = bytearray()
    async for chunk in store.chunks(path):
        data += chunk
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


async def _zip(
    store: BundleStorePort, files: Sequence[ReportFile], summary: bytes, out: IO[bytes]
) -> None:
    archive = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED)
    try:
        for file in files:
            entry = await asyncio.to_thread(archive.open, _entry(file.file_name), "w")
            try:
                async for chunk in store.chunks(file.path):
                    await asyncio.to_thread(entry.write, chunk)
            finally:
                await asyncio.to_thread(entry.close)
        await asyncio.to_thread(archive.writestr, _entry(SUMMARY_FILE_NAME), summary)
    finally:
        await asyncio.to_thread(archive.close)


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


async def _one(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def _read(handle: IO[bytes]) -> AsyncIterator[bytes]:
    await asyncio.to_thread(handle.seek, 0)
    while chunk := await asyncio.to_thread(handle.read, _CHUNK):
        yield chunk
