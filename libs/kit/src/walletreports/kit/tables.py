"""The tables the kit keeps in every service's database, added to its metadata:

    metadata = MetaData()
    outbox, inbox, side_effects = kit_tables(metadata)

The kit's Alembic revisions create them (messaging_0001, then the `kit` branch).
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import MetaData, Table

from .effects.table import side_effects_table
from .messaging.tables import inbox_table, outbox_table


class KitTables(NamedTuple):
    outbox: Table
    inbox: Table
    side_effects: Table


def kit_tables(metadata: MetaData) -> KitTables:
    return KitTables(outbox_table(metadata), inbox_table(metadata), side_effects_table(metadata))
