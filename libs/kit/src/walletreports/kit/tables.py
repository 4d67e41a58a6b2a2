"""The tables the kit keeps in every service's database, added to its metadata:

    metadata = MetaData()
    outbox, inbox, side_effects = kit_tables(metadata)

It also adds `rate_limit_grants` (walletreports.kit.rate_limit) to the metadata; it is
not part of the tuple (so unpacking the three stays as it was): `.rate_limit_grants`.

The kit's Alembic revisions create them (messaging_0001, then the `kit` branch).
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import MetaData, Table

from .effects.table import side_effects_table
from .messaging.tables import inbox_table, outbox_table
from .rate_limit import TABLE as RATE_LIMIT_TABLE
from .rate_limit import rate_limit_grants_table


class KitTables(NamedTuple):
    outbox: Table
    inbox: Table
    side_effects: Table

    @property
    def rate_limit_grants(self) -> Table:
        return self.outbox.metadata.tables[RATE_LIMIT_TABLE]


def kit_tables(metadata: MetaData) -> KitTables:
    tables = KitTables(outbox_table(metadata), inbox_table(metadata), side_effects_table(metadata))
    rate_limit_grants_table(metadata)
    return tables
