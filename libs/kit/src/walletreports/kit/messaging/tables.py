"""The outbox and inbox tables, added to each service's own metadata.

Every service's first migration creates them (see `create_messaging_tables`), so
state changes and the events about them commit in one transaction.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    Uuid,
    func,
    text,
)


def outbox_table(metadata: MetaData, *, as_first_created: bool = False) -> Table:
    """`as_first_created`: with the claim index messaging_0001 made (kit_0004 replaced it)."""
    return Table(
        "outbox",
        metadata,
        # The sequence gives publish order; the event id is the JetStream Nats-Msg-Id.
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("event_id", Uuid, nullable=False, unique=True),
        Column("subject", Text, nullable=False),
        Column("payload", LargeBinary, nullable=False),
        Column("correlation_id", Text),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("published_at", DateTime(timezone=True)),
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        Column("last_error", Text),
        # A row that failed waits until then, so it cannot crowd out the rows behind it.
        Column(
            "next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()
        ),
        outbox_claim_index_as_first_created() if as_first_created else outbox_claim_index(),
        # The relay asks "is an earlier event of this correlation id still unpublished?"
        Index(
            "outbox_unpublished_chain",
            "correlation_id",
            "id",
            postgresql_where=text("published_at IS NULL"),
        ),
    )


def outbox_claim_index() -> Index:
    """The relay claims the oldest unpublished rows: it walks this index in id order.
    Published rows stay in the table for days; an index that does not hold them keeps
    each claim a few index pages however long the history (through the primary key the
    planner would step over every published row first, each pass)."""
    return Index("outbox_unpublished_by_id", "id", postgresql_where=text("published_at IS NULL"))


def outbox_claim_index_as_first_created() -> Index:
    return Index(
        "outbox_unpublished",
        "next_attempt_at",
        "id",
        postgresql_where=text("published_at IS NULL"),
    )


def inbox_table(metadata: MetaData, *, with_refusals: bool = True) -> Table:
    return Table(
        "inbox",
        metadata,
        Column("consumer", Text, primary_key=True),
        Column("event_id", Uuid, primary_key=True),
        Column("subject", Text, nullable=False),
        Column("handled_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        *inbox_refusal_columns() if with_refusals else (),
    )


def inbox_refusal_columns() -> tuple[Column[str], Column[str]]:
    """Added by the kit's revision kit_0003 (messaging_0001 created the inbox without them)."""
    return (
        # NULL: handled. "refused": refused for good (a DomainError); `detail` says why.
        Column("outcome", Text),
        Column("detail", Text),
    )


def create_messaging_tables() -> None:
    """Call from a service's first Alembic migration (creates tables and indexes)."""
    metadata = MetaData()
    # The inbox as this first revision made it; later kit revisions add to it.
    first = (
        outbox_table(metadata, as_first_created=True),
        inbox_table(metadata, with_refusals=False),
    )
    for table in first:
        table.create(op.get_bind())


def drop_messaging_tables() -> None:
    op.drop_table("inbox")
    op.drop_table("outbox")
