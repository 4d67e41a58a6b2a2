"""A bad catalog stops the service at start with one line naming ORDERS_CATALOG_PATH,
before it could misprice a single order."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def serve(catalog: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ["PATH"],
        "ORDERS_DATABASE_URL": "postgresql://127.0.0.1:1/orders",
        "ORDERS_CATALOG_PATH": str(catalog),
    }
    return subprocess.run(
        [sys.executable, "-m", "walletreports.orders", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (
            lambda text: text.replace('price_usd = "25.00"', "price_usd = 25.00"),
            "price_usd: must be a quoted",
        ),
        (
            lambda text: text.replace("[audit_fee]", "[audit_fees]"),
            "audit_fees: Extra inputs are not",
        ),
        (lambda text: None, "catalog file not found"),
    ],
    ids=["float-price", "missing-table", "missing-file"],
)
def test_a_bad_catalog_is_one_clear_line(tmp_path: Path, catalog_path: Path, edit, named):
    catalog = tmp_path / "catalog.toml"
    text = edit(catalog_path.read_text())
    if text is not None:
        catalog.write_text(text)
    result = serve(catalog)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith("orders: configuration error: ORDERS_CATALOG_PATH: ")
    assert named in lines[0]


def test_a_catalog_path_that_is_a_directory_is_one_clear_line(tmp_path: Path):
    result = serve(tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith("orders: configuration error: ORDERS_CATALOG_PATH: ")
    assert f"{tmp_path}: is a directory" in lines[0]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_catalog_is_one_clear_line(tmp_path: Path, catalog_path: Path):
    catalog = tmp_path / "catalog.toml"
    catalog.write_text(catalog_path.read_text())
    catalog.chmod(0)
    try:
        result = serve(catalog)
    finally:
        catalog.chmod(0o600)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith("orders: configuration error: ORDERS_CATALOG_PATH: ")
    assert f"{catalog}: cannot be read (permission denied)" in lines[0]
