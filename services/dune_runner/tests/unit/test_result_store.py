"""The local result store: a report appears whole or not at all, with the size and sha256
of its bytes, and never outside the reports folder."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from walletreports.dune_runner.adapters.result_store import LocalResultStore, UnsafeReportPath
from walletreports.dune_runner.domain import report_path

USER, ORDER = uuid.uuid4(), uuid.uuid4()
KEY = report_path(USER, ORDER, "transfers.csv")


async def chunks(*parts: bytes, fail_after: int | None = None) -> AsyncIterator[bytes]:
    for number, part in enumerate(parts):
        if fail_after is not None and number == fail_after:
            raise ConnectionError("the download broke")
        yield part


async def test_a_report_is_written_with_its_size_and_sha256(tmp_path: Path) -> None:
    store = LocalResultStore(tmp_path / "reports")
    stored = await store.write(KEY, chunks(b"a,b\n", b"1,2\n", b"", b"3,4\n"))
    data = b"a,b\n1,2\n3,4\n"
    target = tmp_path / "reports" / str(USER) / str(ORDER) / "transfers.csv"
    assert target.read_bytes() == data == await store.read(KEY)
    assert (stored.size_bytes, stored.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert os.listdir(target.parent) == ["transfers.csv"]  # no temporary file left


async def test_a_broken_download_leaves_the_old_file_and_no_half_one(tmp_path: Path) -> None:
    store = LocalResultStore(tmp_path)
    await store.write(KEY, chunks(b"old\n"))
    with pytest.raises(ConnectionError):
        await store.write(KEY, chunks(b"new\n", b"more\n", fail_after=1))
    assert await store.read(KEY) == b"old\n"
    assert os.listdir(store.location(KEY).parent) == ["transfers.csv"]


async def test_a_new_write_replaces_the_file_whole(tmp_path: Path) -> None:
    store = LocalResultStore(tmp_path)
    await store.write(KEY, chunks(b"first\n"))
    stored = await store.write(KEY, chunks(b"second\n"))
    assert await store.read(KEY) == b"second\n" and stored.size_bytes == 7


@pytest.mark.parametrize(
    "key",
    [
        "/etc/passwd",
        "reports/../../etc/passwd",
        "reports/a/../../x.csv",
        "reports/./x.csv",
        "reports//x.csv",
        "reports/a\\b.csv",
        "reports/a/b\x00.csv",
        "other/x.csv",
        "reports",
        "reports/",
        "reports/C:x.csv",
        "",
    ],
)
async def test_a_path_outside_the_folder_is_refused(tmp_path: Path, key: str) -> None:
    store = LocalResultStore(tmp_path / "reports")
    with pytest.raises(UnsafeReportPath):
        await store.write(key, chunks(b"x"))
    assert not (tmp_path / "etc").exists() and not (tmp_path / "x.csv").exists()


async def test_a_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    root, outside = tmp_path / "reports", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / str(USER)).symlink_to(outside, target_is_directory=True)
    store = LocalResultStore(root)
    with pytest.raises(UnsafeReportPath):
        await store.write(KEY, chunks(b"x"))
    assert list(outside.iterdir()) == []
