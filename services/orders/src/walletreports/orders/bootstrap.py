"""The orders composition root: what the service builds once at start, beside what the
kit provides (settings, units, clock, database, jetstream)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from walletreports.kit import Platform

from .domain import Catalog
from .settings import OrdersSettings


@dataclass(frozen=True)
class OrdersCollaborators:
    catalog: Catalog


@asynccontextmanager
async def bootstrap(platform: Platform[OrdersSettings]) -> AsyncIterator[OrdersCollaborators]:
    # Read and checked with the settings (a bad file stops the process there, in one line).
    yield OrdersCollaborators(catalog=platform.settings.catalog)
