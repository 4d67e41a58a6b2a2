"""Recording intents in the same transaction as the state change that calls for them."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from ..bulk import insert_from_json, rows_json

# Set on the session when a new intent was recorded, so whoever commits it can wake
# the runner right after the commit (as the outbox's RECORDED_FLAG wakes the relay).
REQUESTED_FLAG = "walletreports.effects.requested"


@dataclass(frozen=True)
class EffectRequest:
    """One intent to record: perform `kind` for `key` with `payload`."""

    kind: str
    key: str
    payload: dict[str, Any]
    correlation_id: str | None = None


_COLUMNS = ("kind", "key", "payload", "correlation_id")


@functools.cache
def _insert(table: Table) -> Any:
    # One constant statement per table (kit.bulk: the rows travel as one JSON text,
    # payloads included), compiled and prepared once whatever the number of rows.
    return (
        insert_from_json(table, _COLUMNS)
        .on_conflict_do_nothing(index_elements=["kind", "key"])
        .returning(table.c.kind, table.c.key)
    )


async def request_effects(
    session: AsyncSession, table: Table, requests: Sequence[EffectRequest]
) -> list[EffectRequest]:
    """Record each intent, in the caller's transaction: performed only if that
    transaction commits. Returns the requests that are new; one whose (kind, key) was
    requested before (whatever its status, or earlier in `requests`) is left out, and
    its payload ignored: the first request stands."""
    if not requests:
        return []
    rows = rows_json(
        (
            {"kind": r.kind, "key": r.key, "payload": r.payload, "correlation_id": r.correlation_id}
            for r in requests
        ),
        _COLUMNS,
    )
    result = await session.execute(_insert(table), {"rows": rows})
    recorded = {(row.kind, row.key) for row in result}
    if recorded:
        session.info[REQUESTED_FLAG] = True
    new: list[EffectRequest] = []
    for request in requests:
        if (request.kind, request.key) in recorded:
            recorded.discard((request.kind, request.key))  # a second copy is not new
            new.append(request)
    return new


async def request_effect(
    session: AsyncSession,
    table: Table,
    *,
    kind: str,
    key: str,
    payload: dict[str, Any],
    correlation_id: str | None = None,
) -> bool:
    """Record the intent to perform `kind` for `key`, in the caller's transaction: it
    is performed only if that transaction commits. Returns True when the intent is new;
    False when (kind, key) was requested before, whatever its status, and then this
    payload is ignored: the first request stands."""
    request = EffectRequest(kind, key, payload, correlation_id)
    return bool(await request_effects(session, table, [request]))
