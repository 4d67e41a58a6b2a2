from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from walletreports.orders.domain.catalog import Catalog, load_catalog
from walletreports.orders.settings import DEFAULT_CATALOG_PATH


@pytest.fixture(scope="session")
def catalog_path() -> Path:
    """The catalog shipped in the package, the one the service loads by default."""
    return DEFAULT_CATALOG_PATH


@pytest.fixture(scope="session")
def catalog(catalog_path: Path) -> Catalog:
    # The real shipped file: tests pin the prices and fee vectors users will be charged.
    return load_catalog(catalog_path)


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 2, 26, 12, 30, 15, tzinfo=UTC)


@pytest.fixture
def user_id() -> uuid.UUID:
    return uuid.UUID("00000000-0000-4000-8000-000000000001")
