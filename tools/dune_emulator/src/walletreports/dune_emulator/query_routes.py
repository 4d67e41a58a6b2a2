"""Dune's query endpoints: create, read, update, archive / unarchive, private / unprivate."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from .dune_errors import DuneApiError
from .emulator import DuneEmulator
from .http_endpoints import Handler, json_body, query_id_of
from .json_response import json_response

UPDATABLE_FIELDS = ("name", "query_sql", "description", "tags", "parameters", "is_private")


async def create_query(request: Request, emulator: DuneEmulator) -> Response:
    body = await json_body(request)
    name, sql = body.get("name"), body.get("query_sql")
    if not isinstance(name, str) or not isinstance(sql, str):
        raise DuneApiError(400, "Bad Request: name and query_sql are required strings")
    query = emulator.queries.create(
        name=name,
        query_sql=sql,
        parameters=body.get("parameters"),
        description=str(body.get("description") or ""),
        tags=body.get("tags"),
        is_private=bool(body.get("is_private", False)),
    )
    return json_response({"query_id": query.query_id})


async def read_query(request: Request, emulator: DuneEmulator) -> Response:
    return json_response(emulator.queries.get(query_id_of(request)).to_json())


async def update_query(request: Request, emulator: DuneEmulator) -> Response:
    body = await json_body(request)
    changes = {k: v for k, v in body.items() if k in UPDATABLE_FIELDS}
    query = emulator.queries.update(query_id_of(request), changes)
    return json_response({"query_id": query.query_id})


def flag_setter(*, archived: bool | None = None, private: bool | None = None) -> Handler:
    async def set_flag(request: Request, emulator: DuneEmulator) -> Response:
        query = emulator.queries.set_flag(query_id_of(request), archived=archived, private=private)
        return json_response({"query_id": query.query_id})

    return set_flag
