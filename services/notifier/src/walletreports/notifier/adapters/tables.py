"""The notifier database. Only this service reads or writes it."""

from sqlalchemy import Boolean, Column, DateTime, MetaData, Table, Text, Uuid

from walletreports.kit import kit_tables

metadata = MetaData()
outbox, inbox, side_effects = kit_tables(metadata)

# Who to write to, as web last told us. `as_of` is the occurred_at of the event the
# row reflects, so an older event arriving late never overwrites a newer one.
contacts = Table(
    "contacts",
    metadata,
    Column("user_id", Uuid, primary_key=True),
    Column("email", Text, nullable=False),
    Column("display_name", Text, nullable=False),
    Column("is_staff", Boolean, nullable=False),
    Column("notify_payment_received", Boolean, nullable=False),
    Column("notify_processing_started", Boolean, nullable=False),
    Column("notify_reports_ready", Boolean, nullable=False),
    Column("as_of", DateTime(timezone=True), nullable=False),
)
