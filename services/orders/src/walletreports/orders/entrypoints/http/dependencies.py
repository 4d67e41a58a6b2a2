"""What routes need from the running service: its catalog and the current time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Query, Request

from ...domain import Catalog

CATALOG = "catalog"


def get_catalog(request: Request) -> Catalog:
    return request.app.state.runtime.extras[CATALOG]


def utcnow() -> datetime:
    return datetime.now(UTC)


CatalogDep = Annotated[Catalog, Depends(get_catalog)]
Now = Annotated[datetime, Depends(utcnow)]
Limit = Annotated[int, Query(ge=1, le=200, description="page size")]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
