"""A stored file's bytes (/v1/files/{file_id}): a report CSV (its id is its job's), the
report bundle's zip or its summary.json.

This route trusts its caller (the internal token): it does not know users. Web checks
that the signed-in user owns the order before it proxies the download. The file is read
through the store from the path recorded for it, never from anything in the request.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from walletreports.kit import ErrorEnvelope, InternalAuth, NotFound, Unavailable, error_response

from .dependencies import DuneRunnerUnits, Store

router = APIRouter(prefix="/v1/files", tags=["files"], dependencies=[InternalAuth])

CSV = "text/csv"
ZIP = "application/zip"
JSON = "application/json"
_TYPES = {".csv": CSV, ".zip": ZIP, ".json": JSON}


class FileNotFound(NotFound):
    code = "file_not_found"


class FileChanging(Unavailable):
    code = "file_changing"


def _as_json(documented: dict[str, Any]) -> dict[str, Any]:
    model = documented.pop("model")
    assert model is ErrorEnvelope
    ref = {"$ref": "#/components/schemas/ErrorEnvelope"}
    return documented | {"content": {"application/json": {"schema": ref}}}


_BYTES = {"schema": {"type": "string", "format": "binary"}}


@router.get(
    "/{file_id}",
    summary="A stored report file's bytes",
    description="Streams the file: a report CSV (`text/csv`), the report bundle"
    " (`application/zip`) or its summary (`application/json`). `ETag` is the strong tag of"
    " its sha256; `Content-Length` its size. Trusts the caller: web checks the owner first.",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The file's bytes.",
            "content": {CSV: _BYTES, ZIP: _BYTES, JSON: _BYTES},
            "headers": {
                "ETag": {
                    "description": 'the sha256 of the bytes, quoted: "<hex>"',
                    "schema": {"type": "string"},
                },
                "Content-Length": {"schema": {"type": "integer"}},
            },
        },
        404: _as_json(error_response(404, "No file with this id (`file_not_found`).")),
        503: _as_json(
            error_response(
                503, "The file is being replaced right now (`file_changing`): try again."
            )
        ),
    },
)
async def stored_file(
    file_id: uuid.UUID, units: DuneRunnerUnits, store: Store
) -> StreamingResponse:
    async with units() as uow:
        found = await uow.views.file(file_id)
    if found is None:
        raise FileNotFound(f"no file {file_id}")
    location = store.location(found.path)
    try:
        size = (await asyncio.to_thread(location.stat)).st_size
    except FileNotFoundError:
        raise FileNotFound(f"file {file_id} is not in the store") from None
    if size != found.size_bytes:
        raise FileChanging(f"file {file_id} is being replaced; try again")
    suffix = found.file_name[found.file_name.rfind(".") :]
    return StreamingResponse(
        store.chunks(found.path),
        media_type=_TYPES.get(suffix, "application/octet-stream"),
        headers={
            "Content-Length": str(found.size_bytes),
            "ETag": f'"{found.sha256}"',
            "Content-Disposition": f'attachment; filename="{found.file_name}"',
        },
    )
