"""Report files on a local folder (`ResultStorePort`): DUNE_RUNNER_REPORTS_DIR, `.dev/reports`
in development, a volume shared with web in compose.

The folder is the storage root of the keys `domain.report_path` makes
(`reports/{user_id}/{order_id}/{file_name}`): the key's first segment, `reports`, is the
folder itself, so `reports/u/o/transfers.csv` is `<DUNE_RUNNER_REPORTS_DIR>/u/o/transfers.csv`.
An S3-compatible store would implement the same port with the key as the object name.

Writing: into a temporary file in the destination folder (so the rename never crosses
file systems), hashing (sha256) and counting while writing, then fsync, rename over any
earlier file, and fsync of the folder: a reader sees the old file or the whole new one,
never half a report, also after a crash. A failure on the way (the download broke, the
disk is full) removes the temporary file and re-raises the error as it was.

Keys are checked again here, whatever made them: absolute paths, `..`, empty or dot
segments, backslashes, NUL, and anything that resolves outside the root (a symlink in
the way included) are refused (`UnsafeReportPath`, a ValueError).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from typing import BinaryIO

from ..domain import REPORTS_ROOT
from ..service_layer.ports import StoredFile

__all__ = ["LocalResultStore", "UnsafeReportPath"]


class UnsafeReportPath(ValueError):
    """A storage key that would land outside the reports folder."""


class LocalResultStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def prepare(self) -> None:
        """Create the folder (at start, so a folder that cannot be made stops the start)."""
        self.root.mkdir(parents=True, exist_ok=True)

    def location(self, path: str) -> Path:
        """Where the key's file is; UnsafeReportPath for a key that leaves the root."""
        if not isinstance(path, str) or not path or "\x00" in path or "\\" in path:
            raise UnsafeReportPath(f"report path {path!r} is not a storage key")
        if path.startswith("/"):
            raise UnsafeReportPath(f"report path {path!r} is absolute")
        segments = path.split("/")
        if segments[0] != REPORTS_ROOT or len(segments) < 2:
            raise UnsafeReportPath(f"report path {path!r} is not under {REPORTS_ROOT}/")
        inner = segments[1:]
        if any(segment in ("", ".", "..") or ":" in segment for segment in inner):
            raise UnsafeReportPath(f"report path {path!r} has an empty, dot or drive segment")
        root = self.root.resolve()
        target = root.joinpath(*inner).resolve()
        if target == root or root not in target.parents:
            raise UnsafeReportPath(f"report path {path!r} resolves outside the reports folder")
        return target

    async def write(self, path: str, chunks: AsyncIterable[bytes]) -> StoredFile:
        target = self.location(path)
        await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
        # The folder may have changed under us (a symlink put in place): check again.
        self.location(path)
        fd, temporary = await asyncio.to_thread(
            tempfile.mkstemp, dir=target.parent, prefix=f".{target.name}.", suffix=".part"
        )
        digest = hashlib.sha256()
        size = 0
        try:
            with os.fdopen(fd, "wb") as out:
                async for chunk in chunks:
                    if not chunk:
                        continue
                    digest.update(chunk)
                    size += len(chunk)
                    await asyncio.to_thread(out.write, chunk)
                await asyncio.to_thread(_flush_and_sync, out)
            await asyncio.to_thread(os.replace, temporary, target)
        except BaseException:
            _remove(temporary)  # at once, also when cancelled
            raise
        await asyncio.to_thread(_sync_folder, target.parent)
        return StoredFile(size_bytes=size, sha256=digest.hexdigest())

    async def chunks(self, path: str, size: int = 256 * 1024) -> AsyncIterator[bytes]:
        """The stored bytes, streamed (the HTTP file route, the bundle builder)."""
        handle = await asyncio.to_thread(self.location(path).open, "rb")
        try:
            while chunk := await asyncio.to_thread(handle.read, size):
                yield chunk
        finally:
            handle.close()

    async def read(self, path: str) -> bytes:
        """The stored bytes (tests, staff tools): the whole file."""
        return await asyncio.to_thread(self.location(path).read_bytes)


def _flush_and_sync(out: BinaryIO) -> None:
    out.flush()
    os.fsync(out.fileno())


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass  # never created, or already gone


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
