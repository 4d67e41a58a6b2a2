"""Saved queries (Dune's query objects): create, read, update, archive, make private, and
optionally kept in a JSON file so their ids survive a restart."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .dune_errors import DuneApiError

OWNER = "dune-emulator"
QUERY_ENGINE = "v2 Dune SQL"


@dataclass(slots=True)
class SavedQuery:
    query_id: int
    name: str
    query_sql: str
    # As Dune stores them: [{"key", "type", "value", ...}], the value is the default.
    parameters: list[dict[str, Any]] = field(default_factory=list)
    description: str = ""
    tags: list[str] = field(default_factory=list)
    is_private: bool = False
    is_archived: bool = False
    version: int = 1

    def to_json(self) -> dict[str, Any]:
        return {
            "query_id": self.query_id,
            "name": self.name,
            "description": self.description,
            "tags": list(self.tags),
            "version": self.version,
            "parameters": [dict(p) for p in self.parameters],
            "query_engine": QUERY_ENGINE,
            "query_sql": self.query_sql,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_unsaved": False,
            "owner": OWNER,
        }


def query_not_found() -> DuneApiError:
    return DuneApiError(404, "Query not found")


class QueryStore:
    def __init__(self, state_file: Path | None = None, first_id: int = 1) -> None:
        self._queries: dict[int, SavedQuery] = {}
        self._next_id = first_id
        self._state_file = state_file
        if state_file is not None and state_file.exists():
            self._load(state_file)

    def create(
        self,
        *,
        name: str,
        query_sql: str,
        parameters: list[dict[str, Any]] | None = None,
        description: str = "",
        tags: list[str] | None = None,
        is_private: bool = False,
        query_id: int | None = None,
    ) -> SavedQuery:
        if query_id is None:
            query_id = self._next_id
        elif query_id in self._queries:
            raise DuneApiError(400, f"query {query_id} already exists")
        self._next_id = max(self._next_id, query_id + 1)
        query = SavedQuery(
            query_id=query_id,
            name=name,
            query_sql=query_sql,
            parameters=validated_parameters(parameters or []),
            description=description,
            tags=list(tags or []),
            is_private=is_private,
        )
        self._queries[query_id] = query
        self._save()
        return query

    def get(self, query_id: int) -> SavedQuery:
        query = self._queries.get(query_id)
        if query is None:
            raise query_not_found()
        return query

    def update(self, query_id: int, changes: dict[str, Any]) -> SavedQuery:
        """Dune's PATCH: fields present are replaced, absent ones left alone."""
        query = self.get(query_id)
        if query.is_archived:
            raise DuneApiError(403, "Not allowed to update query. Query is archived")
        if "name" in changes:
            query.name = str(changes["name"])
        if "query_sql" in changes:
            query.query_sql = str(changes["query_sql"])
        if "description" in changes:
            query.description = str(changes["description"])
        if "tags" in changes:
            query.tags = [str(t) for t in changes["tags"] or []]
        if "parameters" in changes:
            query.parameters = validated_parameters(changes["parameters"] or [])
        if "is_private" in changes:
            query.is_private = bool(changes["is_private"])
        if "is_archived" in changes:
            query.is_archived = bool(changes["is_archived"])
        query.version += 1
        self._save()
        return query

    def set_flag(
        self, query_id: int, *, archived: bool | None = None, private: bool | None = None
    ) -> SavedQuery:
        query = self.get(query_id)
        if archived is not None:
            query.is_archived = archived
        if private is not None:
            query.is_private = private
        self._save()
        return query

    # ----- the state file --------------------------------------------------------------

    def _save(self) -> None:
        if self._state_file is None:
            return
        body = json.dumps([asdict(q) for q in self._queries.values()], indent=1)
        # Write then rename, so a crash mid-write never leaves half a file to load.
        temporary = self._state_file.with_suffix(".tmp")
        temporary.write_text(body)
        os.replace(temporary, self._state_file)

    def _load(self, state_file: Path) -> None:
        for item in json.loads(state_file.read_text()):
            query = SavedQuery(**item)
            self._queries[query.query_id] = query
            self._next_id = max(self._next_id, query.query_id + 1)


PARAMETER_TYPES = frozenset({"text", "number", "datetime", "date", "enum", "list"})


def validated_parameters(parameters: Any) -> list[dict[str, Any]]:
    if not isinstance(parameters, list):
        raise DuneApiError(400, "parameters must be a list")
    checked = []
    for parameter in parameters:
        if not isinstance(parameter, dict) or not isinstance(parameter.get("key"), str):
            raise DuneApiError(400, f"invalid parameter {parameter!r}: needs a string key")
        kind = str(parameter.get("type", "text"))
        if kind not in PARAMETER_TYPES:
            raise DuneApiError(400, f"invalid parameter type {kind!r} for {parameter['key']!r}")
        checked.append({**parameter, "type": kind})
    return checked
